"""``starcoach serve``: the local web app on the same library and session store.

- :mod:`starcoach.web.security`: the guard (token cookie, Host and Origin checks, CSP);
- :mod:`starcoach.web.app`: pages (Practice, Sessions, Review, Progress) and the JSON API;
- :mod:`starcoach.web.practice`: the browser's microphone → the same mock run as the terminal;
- :mod:`starcoach.web.render`: templates (extending the HTML export's) and feedback layout;
- :mod:`starcoach.web.server`: binding, the token, uvicorn.

Plain HTML, CSS and JavaScript in ``templates/`` and ``static/``: no build step, nothing from a CDN.
"""
