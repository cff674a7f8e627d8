"""Every blueprint of the web layer, registered in one place."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from app.api import bp as api_bp
    from app.forms.files import bp as forms_files_bp
    from app.forms.preview import bp as forms_preview_bp
    from app.web.admin import bp as admin_bp
    from app.web.auth import bp as auth_bp
    from app.web.builder import bp as builder_bp
    from app.web.dashboards import bp as dashboards_bp
    from app.web.health import bp as health_bp
    from app.web.inbox import bp as inbox_bp

    for bp in (auth_bp, admin_bp, builder_bp, dashboards_bp, inbox_bp, health_bp, api_bp):
        app.register_blueprint(bp)
    app.register_blueprint(forms_files_bp)
    app.register_blueprint(forms_preview_bp)

    from app.portal import bp as portal_bp

    app.register_blueprint(portal_bp)

    from app.hooks import bp as hooks_bp
    from app.web.connectors import bp as connectors_bp

    app.register_blueprint(hooks_bp)
    app.register_blueprint(connectors_bp)

    from app.web.designer import bp as designer_bp

    app.register_blueprint(designer_bp)

    from app.web.designers import bp as designers_bp

    app.register_blueprint(designers_bp)
