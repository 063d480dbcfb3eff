# File capabilities through COPY --from: kept as they are, with --chown and with --chmod (buildah
# copies the security.capability attribute in each case). The first stage sets them by a maintainer
# script (ping) and by setcap.
FROM BASE AS tools
RUN apt-get update && apt-get install -y --no-install-recommends libcap2-bin \
    && apt-get install -y --no-install-recommends iputils-ping && rm -rf /var/lib/apt/lists/* \
    && cp /bin/sleep /lowport && setcap cap_net_bind_service=+ep /lowport
FROM BASE
COPY --from=tools /lowport /usr/local/bin/lowport
COPY --from=tools --chown=1000:1000 /lowport /usr/bin/ping /opt/
COPY --from=tools --chmod=0700 /lowport /usr/local/bin/lowport3
