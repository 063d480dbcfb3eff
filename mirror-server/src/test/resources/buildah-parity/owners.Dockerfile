# chown by id (also above the ustar limit of 2097151), COPY --chown, ARG and ENV expansion, USER, WORKDIR.
FROM BASE
ARG DIR=/srv
ENV SUB=data
WORKDIR $DIR/$SUB
RUN touch small && chown 1000:1001 small && touch big && chown 3000000:3000001 big && mkdir d && chown -R 42:43 d
COPY --chown=7:8 ctx.txt ./
COPY --chmod=0640 ctx.txt /etc/ctx.conf
USER 1000
WORKDIR /tmp
