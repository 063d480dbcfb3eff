# Multi-stage: COPY --from an earlier stage; a stage on scratch.
FROM BASE AS builder
RUN mkdir -p /out && echo built > /out/artifact && chmod 0755 /out/artifact
FROM scratch AS bare
COPY --from=builder /out/artifact /artifact
FROM BASE
COPY --from=builder /out /opt/out
COPY --from=bare /artifact /opt/bare-artifact
