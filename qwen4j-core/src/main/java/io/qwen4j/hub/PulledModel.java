package io.qwen4j.hub;

import java.nio.file.Path;
import java.util.List;

/**
 * A model in the local cache after a pull.
 *
 * @param reference what was asked for
 * @param sha       the commit of the snapshot
 * @param snapshot  the snapshot folder ({@code …/models--ORG--NAME/snapshots/SHA})
 * @param path      what to load: the GGUF file (the first part of a split one) or, for a safetensors
 *                  checkpoint, the snapshot folder
 * @param files     every selected file, inside the snapshot
 * @param fromCache true when the hub was not asked (offline mode or unreachable) and the cache answered
 */
public record PulledModel(ModelReference reference, String sha, Path snapshot, Path path, List<Path> files,
                          boolean fromCache) {

    public PulledModel {
        files = List.copyOf(files);
    }
}
