FROM scratch
COPY app /app
# ANCHOR: forms
# exec form: the engine runs /app itself
ENTRYPOINT ["/app"]
# shell form: the engine runs /bin/sh -c /app, and scratch has no /bin/sh
ENTRYPOINT /app
# ANCHOR_END: forms
