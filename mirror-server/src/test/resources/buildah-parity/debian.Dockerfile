# On a Debian base (12: the host's glibc and fakechroot; 11: an older glibc, proot with Debian 11's
# own libfakeroot; 13: a newer glibc, proot with the host's libfakeroot):
# apt-get install with its maintainer scripts and dpkg's libc-bin trigger (ldconfig), a user made
# with useradd, and chown by that user's name in a later step; file capabilities set by a maintainer
# script (iputils-ping's, with libcap2-bin installed first), and with setcap on a new file and on one
# an earlier layer holds (unchanged on disk), then kept through a chmod.
FROM BASE
RUN apt-get update && apt-get install -y --no-install-recommends curl libcap2-bin \
    && apt-get install -y --no-install-recommends iputils-ping && rm -rf /var/lib/apt/lists/*
RUN useradd -m -u 1500 app
RUN mkdir /srv/app && chown app:app /srv/app && touch /srv/app/f && chown app /srv/app/f \
    && install -d -o app -g app -m 0750 /srv/app/private
RUN cp /bin/sleep /usr/local/bin/lowport && setcap cap_net_bind_service=+ep /usr/local/bin/lowport \
    && setcap cap_net_raw,cap_net_admin+eip /usr/bin/curl && getcap /usr/local/bin/lowport
RUN chmod 0750 /usr/local/bin/lowport
