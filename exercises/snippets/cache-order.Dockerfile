# ANCHOR: order
FROM golang:1.22 AS build
WORKDIR /src
# The dependency list changes sometimes: download modules in their own cached layer.
COPY go.mod go.sum ./
RUN go mod download
# The source changes every time: copy it last.
COPY . .
RUN CGO_ENABLED=0 go build -o /app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /app /app
ENTRYPOINT ["/app"]
# ANCHOR_END: order
