package io.ragway.store;

import java.nio.file.Path;

class SqliteVersionsTest extends VersionsContract {

  @Override
  Database openDatabase(Path dir) {
    return Database.open("", "", "", 2, dir);
  }
}
