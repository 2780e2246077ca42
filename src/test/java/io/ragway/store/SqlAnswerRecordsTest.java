package io.ragway.store;

import java.nio.file.Path;

/** The answer records contract on SQLite, the default records database. */
class SqlAnswerRecordsTest extends AnswerRecordsContract {

  @Override
  Database openDatabase(Path dir) {
    return Database.open("", "", "", 2, dir);
  }
}
