package io.ragway.cli;

import io.ragway.config.ConfigLoader;
import io.ragway.config.RagwayConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command takes: where the data and the configuration live, and whose data it is. */
final class CommonOptions {

  @Option(names = "--data", paramLabel = "DIR",
      description = "Data directory holding the index (default: data_dir from ragway.yaml, else ./ragway-data).")
  Path data;

  @Option(names = "--config", paramLabel = "FILE", defaultValue = "ragway.yaml",
      description = "Configuration file; every key is optional (default: ${DEFAULT-VALUE}, if it exists).")
  Path config;

  @Option(names = "--tenant", paramLabel = "NAME", description = "Tenant whose documents are used (default: tenant from ragway.yaml, else 'default').")
  String tenant;

  /** The configuration file's values, overridden by the flags given. */
  RagwayConfig load() {
    RagwayConfig c = ConfigLoader.load(config, System.getenv());
    if (data != null || tenant != null) {
      c = c.withDataAndTenant(data != null ? data.toString() : c.dataDir(), tenant != null ? tenant : c.tenant());
    }
    return c;
  }

  Components components() {
    return new Components(load());
  }
}
