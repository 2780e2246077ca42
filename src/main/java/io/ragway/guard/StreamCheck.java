package io.ragway.guard;

/**
 * Checks an answer that arrives in pieces over a sliding window: the last {@link #HOLD}
 * characters are held back (and a placeholder not yet complete), so a term or a piece of
 * personal data split across pieces is still seen whole before it goes out. A denied term ends the
 * stream: {@link #accept} throws and the server sends an error event.
 */
public final class StreamCheck {

  static final int HOLD = 64;

  private final Guard guard;
  private final String requestId;
  private final String tenant;
  private final Pseudonyms pseudonyms;
  private final StringBuilder all = new StringBuilder();
  private final StringBuilder pending = new StringBuilder();
  private int scanned; // characters of all already looked at for denied terms

  StreamCheck(Guard guard, String requestId, String tenant, Pseudonyms pseudonyms) {
    this.guard = guard;
    this.requestId = requestId;
    this.tenant = tenant;
    this.pseudonyms = pseudonyms;
  }

  /**
   * Takes the next piece; returns what may go out now (often empty while text is held back).
   *
   * @throws GuardBlocked when the answer so far holds a denied term or blocked personal data
   */
  public String accept(String piece) {
    all.append(piece);
    pending.append(piece);
    int hold = Math.max(HOLD, Pseudonyms.pendingTail(pending));
    if (pending.length() <= hold) {
      return "";
    }
    int cut = pending.length() - hold;
    while (cut > 0 && !Character.isWhitespace(pending.charAt(cut - 1))) {
      cut--; // end what goes out at a space, so no word or value is cut in two
    }
    if (cut == 0) {
      return "";
    }
    String out = pending.substring(0, cut);
    pending.delete(0, cut);
    return check(out, false);
  }

  /** What is still held back, checked, at the end of the answer. */
  public String finish() {
    String out = pending.toString();
    pending.setLength(0);
    return check(out, true);
  }

  private String check(String piece, boolean last) {
    Guard.Output o = guard.checkOutput(requestId, tenant, piece, pseudonyms);
    if (!o.withheld()) {
      // a term across two pieces: what came since the last look, plus enough before it to hold a term
      int from = Math.max(0, scanned - guard.longestDeniedTerm(tenant));
      scanned = all.length();
      if (guard.deniedTerm(tenant, all, from).isPresent()) {
        o = guard.checkOutput(requestId, tenant, all.toString(), pseudonyms);
      }
    }
    if (o.withheld()) {
      throw new GuardBlocked(o.decisions().get(o.decisions().size() - 1),
          "The answer was stopped by the content policy" + (last ? "." : " partway."));
    }
    return o.text();
  }
}
