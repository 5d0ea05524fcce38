# ANCHOR: all
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends golang-go
ENV GO111MODULE=off
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /app .

FROM scratch
# Stage 0 is the first FROM above: stages count from zero.
COPY --from=0 /app /app
ENTRYPOINT ["/app"]
# ANCHOR_END: all
