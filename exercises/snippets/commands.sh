#!/bin/sh
# Commands the book shows, one anchor each. Not meant to be run as a whole.

# ANCHOR: targets
docker build --target test .            # compile and run the tests; a failing test fails the build
docker build --target debug -t app:debug .   # the same binary next to a busybox shell
docker build -t app .                   # the last stage: the image you ship
# ANCHOR_END: targets

# ANCHOR: debug-image
docker build --target debug -t app:debug .
docker run --rm -it --entrypoint /busybox/sh app:debug
# ANCHOR_END: debug-image

# ANCHOR: docker-cp
docker create --name peek app
docker cp peek:/etc/passwd -
docker rm peek
# ANCHOR_END: docker-cp

# ANCHOR: debug-container
docker run --rm -it --pid=container:app --network=container:app busybox:1.36 sh
# ANCHOR_END: debug-container

# ANCHOR: kubectl-debug
kubectl debug -it pod/app --image=busybox:1.36 --target=app
# ANCHOR_END: kubectl-debug

# ANCHOR: shell-fails
docker run --rm --entrypoint sh workbook/03-multi-stage
# ANCHOR_END: shell-fails
