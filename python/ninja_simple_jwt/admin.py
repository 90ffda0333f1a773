"""The app's admin: it has no models, so nothing to register.

Here because the original package has this module (it registers the app's models, of which there are
none); the sessions app keeps its own admin in `ninja_simple_jwt.sessions.admin`.
"""

__all__: list[str] = []
