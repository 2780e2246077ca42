package io.ragway.testkit;

import io.ragway.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the ragway CLI in process and captures what it prints. */
public final class Cli {

  /** Exit code and output of one run. */
  public record Run(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- out\n" + out + "\n--- err\n" + err;
    }
  }

  private Cli() {}

  public static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }
}
