# syntax=docker/dockerfile:1
# Build: docker build -t kabinet .
# Run:   docker run -p 8080:8080 -v kabinet-data:/data kabinet            (demo data in a new volume)
#        docker run -p 8080:8080 -v kabinet-data:/data -e KABINET_NO_DEMO=true \
#               -v /etc/kabinet.toml:/etc/kabinet.toml:ro -e KABINET_CONFIG=/etc/kabinet.toml kabinet
#        (with KABINET_NO_DEMO the config must set [payments] provider, or the server refuses to start)
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY schema.sql ./
COPY src ./src
COPY assets ./assets
COPY benches ./benches
COPY tests ./tests
RUN cargo build --release --locked --bin kabinet && strip target/release/kabinet

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data kabinet \
    && mkdir -p /data && chown kabinet:kabinet /data
COPY --from=build /src/target/release/kabinet /usr/local/bin/kabinet
USER kabinet
WORKDIR /data
VOLUME ["/data"]
ENV KABINET_DB=/data/kabinet.db \
    KABINET_LISTEN=0.0.0.0:8080
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/kabinet"]
