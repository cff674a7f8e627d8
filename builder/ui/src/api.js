// Calls to /api/v1 with the session cookie and the CSRF token from the page.
export class ApiError extends Error {
  constructor(status, payload) {
    super(payload?.error?.message || payload?.message || `request failed (${status})`);
    this.status = status;
    this.payload = payload;
  }
}

export function makeApi(csrfToken) {
  async function call(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...(method !== "GET" ? { "X-CSRFToken": csrfToken } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let payload = null;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch {
      payload = { message: text.slice(0, 200) };
    }
    if (!response.ok) throw new ApiError(response.status, payload);
    return payload;
  }
  return {
    get: (url) => call("GET", url),
    post: (url, body) => call("POST", url, body),
    put: (url, body) => call("PUT", url, body),
  };
}
