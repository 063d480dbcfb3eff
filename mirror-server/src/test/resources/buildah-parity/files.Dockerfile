# New, changed and deleted files and directories; a directory replaced by a file and back.
FROM BASE
RUN mkdir -p /opt/a/b /opt/c /opt/d && echo one > /opt/a/b/f && echo two > /opt/c/g && echo three > /opt/d/h
RUN echo changed >> /opt/a/b/f && rm -r /opt/c && rm /opt/d/h && touch /opt/d/new
RUN rm -r /opt/a/b && echo now-a-file > /opt/a/b
RUN rm /opt/a/b && mkdir /opt/a/b && echo again > /opt/a/b/inner
RUN true
