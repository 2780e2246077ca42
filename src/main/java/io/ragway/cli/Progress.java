package io.ragway.cli;

import io.ragway.ingest.Ingestor;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr when it is a terminal; silent otherwise, so logs and pipes stay clean.
 */
final class Progress implements AutoCloseable {

  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  static Progress start(String task, long total, boolean quiet) {
    if (quiet || System.console() == null) {
      return new Progress(null);
    }
    return new Progress(new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setStyle(ProgressBarStyle.ASCII)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .setUpdateIntervalMillis(250)
        .build());
  }

  void step() {
    if (bar != null) {
      bar.step();
    }
  }

  void stepTo(long n) {
    if (bar != null) {
      bar.stepTo(n);
    }
  }

  void maxHint(long total) {
    if (bar != null) {
      bar.maxHint(total);
    }
  }

  /** An ingest listener driving a bar that appears once the number of files is known. */
  static final class Files implements Ingestor.Listener, AutoCloseable {
    private final boolean quiet;
    private Progress progress = new Progress(null);

    Files(boolean quiet) {
      this.quiet = quiet;
    }

    @Override
    public void started(int files) {
      progress = start("ingest", files, quiet);
    }

    @Override
    public void fileDone(String source) {
      progress.step();
    }

    @Override
    public void close() {
      progress.close();
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
