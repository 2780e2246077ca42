package io.ragway.rollout;

/**
 * Drift tracking of the questions each model is asked ({@code drift:} in {@code ragway.yaml}).
 *
 * @param baselineSize the first questions a model gets form its baseline, clustered once
 * @param window the latest questions compared with the baseline
 * @param clusters k of k-means over the baseline's embeddings
 * @param psiThreshold population stability index of the window's clusters against the baseline's
 *     above which drift is raised (0.1 is commonly read as a moderate shift, 0.25 as a large one)
 * @param abstentionPoints how many percentage points the window's abstention rate may move from the
 *     baseline's before drift is raised
 * @param seed seeds k-means, so the same questions always give the same clusters
 * @param onFire what else happens when drift is raised (beyond the metric, the log and the webhooks)
 */
public record DriftConfig(boolean enabled, int baselineSize, int window, int clusters, double psiThreshold,
    double abstentionPoints, long seed, OnFire onFire) {

  /** Drift tracking that only reports. */
  public DriftConfig(boolean enabled, int baselineSize, int window, int clusters, double psiThreshold,
      double abstentionPoints, long seed) {
    this(enabled, baselineSize, window, clusters, psiThreshold, abstentionPoints, seed, null);
  }

  /** What raised drift starts: {@code eval}, an evaluation run. */
  public record OnFire(Eval eval) {
    public OnFire {
      eval = eval == null ? new Eval(null, null) : eval;
    }
  }

  /**
   * An evaluation run started by raised drift (docs/rollout.md).
   *
   * @param dataset an evaluation set's path, {@code latest-export} (the rated answers with a
   *     correction, exported then), or empty: no run
   * @param limit the most rows per run, 0 for all
   */
  public record Eval(String dataset, Integer limit) {
    public static final String LATEST_EXPORT = "latest-export";

    public Eval {
      dataset = dataset == null ? "" : dataset.strip();
      limit = limit == null ? 200 : limit;
      if (limit < 0) {
        throw new IllegalArgumentException("drift.on_fire.eval.limit must be >= 0 (0: every row), got " + limit);
      }
    }

    public boolean enabled() {
      return !dataset.isEmpty();
    }
  }

  @com.fasterxml.jackson.annotation.JsonCreator
  public DriftConfig {
    onFire = onFire == null ? new OnFire(null) : onFire;
    if (clusters < 2 || clusters > 64) {
      throw new IllegalArgumentException("drift.clusters must be between 2 and 64, got " + clusters);
    }
    if (baselineSize < clusters * 4 || window < clusters * 4) {
      throw new IllegalArgumentException("drift.baseline_size and drift.window must be at least 4 x clusters ("
          + clusters * 4 + "), got " + baselineSize + " and " + window);
    }
    if (!(psiThreshold > 0) || abstentionPoints < 0) {
      throw new IllegalArgumentException("drift.psi_threshold must be > 0 and abstention_points >= 0");
    }
  }

  /** Off, with the values that are used when it is turned on. */
  public static DriftConfig defaults() {
    return new DriftConfig(false, 200, 200, 8, 0.25, 10, 42);
  }
}
