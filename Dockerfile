# Multi-stage build: a static, cgo-free binary on a minimal base, run as a
# non-root user with the archive (SQLite file and Bleve index) on a volume.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# A patched dependency, replaced in go.mod (third_party/zapx/v17/PATCHED.md).
COPY third_party ./third_party
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/minutebook ./cmd/minutebook

FROM debian:bookworm-slim
# poppler-utils: pdftotext, for printed minutes published as PDF.
# postgresql-client: pg_dump, which `minutebook backup` runs for a
# PostgreSQL archive (bookworm's is 15: it must be no older than the server).
RUN apt-get update && apt-get install -y --no-install-recommends poppler-utils postgresql-client ca-certificates wget \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10001 --home /data minutebook \
	&& mkdir -p /data && chown minutebook /data
COPY --from=build /out/minutebook /usr/local/bin/minutebook
USER minutebook
ENV MINUTEBOOK_DATA=/data MINUTEBOOK_ADDR=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["minutebook"]
CMD ["serve"]
