# SPDX-License-Identifier: GPL-2.0-or-later
# pysample in a container image: the Debian package built from this tree
# (packaging/build-deb.sh), installed into a slim Debian 12 with what it
# links (apt resolves the libraries the package depends on).
#
#   docker build -t pysample .
#   docker run --rm --pid=container:app --cap-add SYS_PTRACE -v "$PWD:/out" \
#       pysample -p 1 --duration 30 -o /out/app.perf
#
# examples/docker-sidecar.md and examples/kubernetes/ use it.

FROM debian:bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# installs debian/control's Build-Depends, builds, leaves the .deb in /deb
RUN packaging/build-deb.sh --install-deps /deb

FROM debian:bookworm-slim
COPY --from=build /deb/pysample_*.deb /tmp/
# procps: pgrep, for the recipes that find the application by its name
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        /tmp/pysample_*.deb procps \
    && rm -rf /var/lib/apt/lists/* /tmp/pysample_*.deb
ENTRYPOINT ["pysample"]
CMD ["--help"]
