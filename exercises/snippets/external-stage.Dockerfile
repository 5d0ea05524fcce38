FROM scratch
# ANCHOR: copy
COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/nginx.conf
COPY --from=gcr.io/distroless/static-debian12:debug /busybox/busybox /busybox/busybox
# ANCHOR_END: copy
