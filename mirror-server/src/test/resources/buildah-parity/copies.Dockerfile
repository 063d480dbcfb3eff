# COPY and ADD as buildah does them: from the context the set-user-ID and set-group-ID bits are
# dropped (the sticky bit kept); --chmod applies to what is copied, not to the directories the copy
# makes; ADD of a local tar keeps the archive's owners and modes, --chown or not; COPY --from an
# earlier stage keeps that stage's owners and modes, and its links' targets as written; a
# destination through a link a RUN step made (absolute or relative) lands where the link points;
# a directory .dockerignore leaves out, but not all of its contents, is made, not copied; a stage
# built on another writes through that stage's links into its own tree; COPY . after WORKDIR goes
# into it; a source that is a link is copied as what it points at, under its own name; ADD extracts
# xz, bzip2 and zstd tars, and copies a gzipped file that is not a tar as it is; files linked in a copied
# tree or an added tar stay linked (across the sources of one COPY they do not).
FROM BASE AS first
COPY dir /c1/
COPY --chown=7:8 dir /c2
COPY --chmod=640 dir/a dir/sub/b dir/sub/hard /c3/
ADD arch.tar /a1/
ADD --chown=9:9 arch.tar /a3/
RUN chmod 4755 /c1/a && chown 5:6 /c1/sub/b && chmod 0444 /c1/sub/b \
    && mkdir /real && ln -s /real /linked && ln -s real /relative
COPY dir/a /linked/x/
COPY dir/a /relative/y
COPY ign /ign/
WORKDIR /wd
COPY dir/a .
COPY toplink /c5/
ADD arch.tar.xz /xz/
ADD arch.tar.bz2 /bz2/
ADD arch.tar.zst /zst/
ADD text.gz /gz/

FROM first
RUN echo z > /linked/z && ln -s /linked/z /zlink
COPY --from=first /c2 /fromfirst
COPY --from=first /c1 /c1copy
COPY --from=first --chown=1:1 /a1/t /t
COPY --from=first /linked /relative /
