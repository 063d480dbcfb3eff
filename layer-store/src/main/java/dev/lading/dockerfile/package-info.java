/**
 * Dockerfiles: the parser, the instruction model and variable expansion, as BuildKit's frontend
 * reads them; plus {@code .dockerignore} matching. Pure: nothing here reads files or runs
 * processes, the caller hands in the text.
 *
 * <ul>
 *   <li>{@link dev.lading.dockerfile.Dockerfile#parse} gives the global ARGs and the {@link
 *       dev.lading.dockerfile.Stage stages}, each a list of {@link dev.lading.dockerfile.Instruction}
 *       records that keep their lines and text.
 *   <li>{@link dev.lading.dockerfile.BuildArgs} holds the {@code --build-arg} values and platforms;
 *       {@link dev.lading.dockerfile.Expander} expands a stage's instructions in Docker's scope.
 *   <li>{@link dev.lading.dockerfile.DockerIgnore} says which context paths a build leaves out.
 *   <li>Every problem is a {@link dev.lading.dockerfile.DockerfileException} naming the line and the
 *       instruction. What Lading does not implement is refused, never ignored: RUN
 *       {@code --security} other than {@code sandbox}, {@code --device};
 *       ADD of URLs that are neither http(s) nor git;
 *       unknown instructions and flags.
 * </ul>
 */
package dev.lading.dockerfile;
