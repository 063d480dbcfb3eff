# On a Debian base (12: the host's glibc and fakechroot; 11: an older glibc and its own fakechroot;
# 13: a newer glibc, proot with its own libfakeroot):
# apt-get install with its maintainer scripts and dpkg's libc-bin trigger (ldconfig), a user made
# with useradd, and chown by that user's name in a later step.
FROM BASE
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN useradd -m -u 1500 app
RUN mkdir /srv/app && chown app:app /srv/app && touch /srv/app/f && chown app /srv/app/f \
    && install -d -o app -g app -m 0750 /srv/app/private
