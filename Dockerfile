# syntax=docker/dockerfile:1
# One image for both services. Build: `docker compose build` (see README).

# --- planner: a skeleton of the workspace (manifests + stub sources) -------------------------
# Its output changes only when a manifest or the lock file does, so the dependency layer below
# is rebuilt only then.
FROM rust:1-slim-bookworm AS planner
WORKDIR /src
COPY . .
RUN mkdir /skeleton && cp Cargo.toml Cargo.lock /skeleton/ \
 && for manifest in crates/*/Cargo.toml; do \
      dir=$(dirname "$manifest"); mkdir -p "/skeleton/$dir/src" "/skeleton/$dir/benches"; \
      cp "$manifest" "/skeleton/$dir/"; \
      echo 'fn main() {}' > "/skeleton/$dir/src/main.rs"; \
      echo '' > "/skeleton/$dir/src/lib.rs"; \
      for bench in "$dir"/benches/*.rs; do if [ -e "$bench" ]; then echo 'fn main() {}' > "/skeleton/$bench"; fi; done; \
    done

# --- build: dependencies first (cached layer), then the real sources ----------------------
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY --from=planner /skeleton/ ./
COPY scripts/build-release.sh scripts/
RUN scripts/build-release.sh && rm -rf crates
COPY . .
# Newer mtimes than the stubs, so cargo rebuilds our crates (and only them).
RUN find crates -name '*.rs' -exec touch {} + && scripts/build-release.sh

# --- runtime: slim, non-root ----------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
RUN useradd --system --uid 10001 --no-create-home ticker
COPY --from=build /src/target/release/rest-api /src/target/release/ws-server /usr/local/bin/
USER ticker
ENV TICKER_REST_HOST=0.0.0.0 TICKER_WS_HOST=0.0.0.0
EXPOSE 8000 8001
CMD ["rest-api"]
