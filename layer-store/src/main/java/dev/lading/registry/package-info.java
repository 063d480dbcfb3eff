/**
 * The OCI Distribution API client: {@link dev.lading.registry.RegistryClient} pulls and pushes
 * manifests and blobs, with token/Basic auth, retries, resumable downloads and cross-repository mounts.
 * It works with raw bytes and descriptors only; parsing manifests and storing blobs live elsewhere.
 */
package dev.lading.registry;
