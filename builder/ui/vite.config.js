// Builds the flow designer into the Flask static folder (app/static/builder/), with a
// manifest so app/web/designer.py can find the hashed file names. No inline scripts or
// styles: the CSP allows only 'self'.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  base: "/static/builder/",
  build: {
    outDir: "../../app/static/builder",
    emptyOutDir: true,
    manifest: "manifest.json",
    sourcemap: false,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    rollupOptions: { input: { designer: "src/main.jsx" } },
  },
});
