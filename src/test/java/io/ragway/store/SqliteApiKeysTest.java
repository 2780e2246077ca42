package io.ragway.store;

import java.nio.file.Path;

class SqliteApiKeysTest extends ApiKeysContract {
  @Override
  Database open(Path dir) {
    return Database.open("", "", "", 1, dir);
  }
}
