package io.ragway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Sessions in this process, bounded in number (least recently used go first) and forgotten when
 * idle. A session keeps at most {@code maxTurns} messages; what is sent to a model is fitted to
 * its context window separately ({@link HistoryFitter}).
 */
final class CaffeineSessions implements Sessions {

  private final Cache<String, Session> sessions;
  private final Clock clock;
  private final int maxTurns;
  private final SecureRandom random = new SecureRandom();

  CaffeineSessions(long maxSessions, Duration idle, int maxTurns, Clock clock, Ticker ticker) {
    this.sessions = Caffeine.newBuilder().maximumSize(maxSessions).expireAfterAccess(idle).ticker(ticker).build();
    this.clock = clock;
    this.maxTurns = maxTurns;
  }

  @Override
  public Session create(Owner owner) {
    byte[] b = new byte[12];
    random.nextBytes(b);
    Session s = new Session("sess_" + HexFormat.of().formatHex(b), owner, clock.instant(), List.of());
    sessions.put(s.id(), s);
    return s;
  }

  @Override
  public Optional<Session> get(Owner owner, String id) {
    Session s = sessions.getIfPresent(id);
    return s != null && s.owner().equals(owner) ? Optional.of(s) : Optional.empty();
  }

  @Override
  public boolean append(Owner owner, String id, List<JsonNode> messages) {
    boolean[] found = {false};
    sessions.asMap().computeIfPresent(id, (k, s) -> {
      if (!s.owner().equals(owner)) {
        return s;
      }
      found[0] = true;
      List<JsonNode> all = new ArrayList<>(s.messages());
      all.addAll(messages);
      List<JsonNode> kept = all.size() > maxTurns ? all.subList(all.size() - maxTurns, all.size()) : all;
      return new Session(s.id(), s.owner(), s.created(), kept);
    });
    return found[0];
  }

  @Override
  public boolean delete(Owner owner, String id) {
    boolean[] deleted = {false};
    sessions.asMap().computeIfPresent(id, (k, s) -> {
      if (!s.owner().equals(owner)) {
        return s;
      }
      deleted[0] = true;
      return null;
    });
    return deleted[0];
  }
}
