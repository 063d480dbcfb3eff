# Multi-stage: COPY --from an earlier stage; a stage on scratch; FIFOs copied as FIFOs, with their
# owners, or --chown's.
FROM BASE AS builder
RUN mkdir -p /out && echo built > /out/artifact && chmod 0755 /out/artifact
RUN mkfifo /pipe && mkdir /fifos && mkfifo -m 0640 /fifos/p && chown 7:8 /fifos/p
FROM scratch AS bare
COPY --from=builder /out/artifact /artifact
FROM BASE
COPY --from=builder /out /opt/out
COPY --from=bare /artifact /opt/bare-artifact
COPY --from=builder /pipe /opt/
COPY --from=builder /fifos /opt/fifos
COPY --from=builder --chown=5:5 /fifos /opt/fifos-chowned
