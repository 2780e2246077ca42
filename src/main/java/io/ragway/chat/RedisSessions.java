package io.ragway.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.ScriptOutputType;
import io.ragway.config.JsonMappers;
import io.ragway.state.Redis;
import io.ragway.state.StateConfig.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Sessions in Redis, so that any replica continues a conversation another began. A session is a
 * hash {@code <prefix>:session:<tenant>:<id>} (its owner key and creation time) and a list
 * {@code ...:<id>:turns} of its messages as JSON; both expire when idle. Reading, appending and
 * deleting are each one Lua script that checks the owner first, so two replicas appending to one
 * session never lose a turn and another key never touches it. While Redis is down, sessions fail
 * closed (503) or open to this replica's own {@code fallback} store.
 */
final class RedisSessions implements Sessions {

  private static final String CREATE = """
      redis.call('HSET', KEYS[1], 'key', ARGV[1], 'created', ARGV[2])
      redis.call('PEXPIRE', KEYS[1], ARGV[3])
      return 1""";
  private static final String GET = """
      local owner = redis.call('HGET', KEYS[1], 'key')
      if owner ~= ARGV[1] then return {} end
      redis.call('PEXPIRE', KEYS[1], ARGV[2])
      redis.call('PEXPIRE', KEYS[2], ARGV[2])
      local out = {redis.call('HGET', KEYS[1], 'created')}
      for _, m in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do out[#out + 1] = m end
      return out""";
  private static final String APPEND = """
      if redis.call('HGET', KEYS[1], 'key') ~= ARGV[1] then return 0 end
      for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
      redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
      redis.call('PEXPIRE', KEYS[1], ARGV[3])
      redis.call('PEXPIRE', KEYS[2], ARGV[3])
      return 1""";
  private static final String DELETE = """
      if redis.call('HGET', KEYS[1], 'key') ~= ARGV[1] then return 0 end
      redis.call('DEL', KEYS[1], KEYS[2])
      return 1""";

  private final Redis redis;
  private final Sessions fallback;
  private final long idleMillis;
  private final int maxTurns;
  private final Clock clock;
  private final ObjectMapper json = JsonMappers.create();
  private final SecureRandom random = new SecureRandom();

  RedisSessions(Redis redis, Sessions fallback, Duration idle, int maxTurns, Clock clock) {
    this.redis = redis;
    this.fallback = fallback;
    this.idleMillis = idle.toMillis();
    this.maxTurns = maxTurns;
    this.clock = clock;
  }

  @Override
  public Session create(Owner owner) {
    return redis.call(Store.SESSIONS, () -> {
      byte[] b = new byte[12];
      random.nextBytes(b);
      Session s = new Session("sess_" + HexFormat.of().formatHex(b), owner,
          clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), List.of()); // as kept
      redis.sync().eval(CREATE, ScriptOutputType.INTEGER, keys(owner, s.id()), bytes(owner.key()),
          bytes(Long.toString(s.created().toEpochMilli())), bytes(Long.toString(idleMillis)));
      return s;
    }, () -> fallback.create(owner));
  }

  @Override
  public Optional<Session> get(Owner owner, String id) {
    return redis.call(Store.SESSIONS, () -> {
      List<Object> found = redis.sync().eval(GET, ScriptOutputType.MULTI, keys(owner, id), bytes(owner.key()),
          bytes(Long.toString(idleMillis)));
      if (found.isEmpty()) {
        return Optional.<Session>empty();
      }
      Instant created = Instant.ofEpochMilli(Long.parseLong(text(found.get(0))));
      List<JsonNode> messages = new ArrayList<>();
      for (Object m : found.subList(1, found.size())) {
        messages.add(read((byte[]) m));
      }
      return Optional.of(new Session(id, owner, created, messages));
    }, () -> fallback.get(owner, id));
  }

  @Override
  public boolean append(Owner owner, String id, List<JsonNode> messages) {
    return redis.call(Store.SESSIONS, () -> {
      byte[][] args = new byte[3 + messages.size()][];
      args[0] = bytes(owner.key());
      args[1] = bytes(Integer.toString(maxTurns));
      args[2] = bytes(Long.toString(idleMillis));
      for (int i = 0; i < messages.size(); i++) {
        args[3 + i] = write(messages.get(i));
      }
      Long done = redis.sync().eval(APPEND, ScriptOutputType.INTEGER, keys(owner, id), args);
      return done != null && done == 1;
    }, () -> fallback.append(owner, id, messages));
  }

  @Override
  public boolean delete(Owner owner, String id) {
    return redis.call(Store.SESSIONS, () -> {
      Long done = redis.sync().eval(DELETE, ScriptOutputType.INTEGER, keys(owner, id), bytes(owner.key()));
      return done != null && done == 1;
    }, () -> fallback.delete(owner, id));
  }

  private String[] keys(Owner owner, String id) {
    String session = redis.key("session", owner.tenant(), id);
    return new String[] {session, session + ":turns"};
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Object redisValue) {
    return new String((byte[]) redisValue, StandardCharsets.UTF_8);
  }

  private byte[] write(JsonNode message) {
    try {
      return json.writeValueAsBytes(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed message always serialises", e);
    }
  }

  private JsonNode read(byte[] message) {
    try {
      return json.readTree(message);
    } catch (IOException e) {
      throw new UncheckedIOException("a session turn in redis is not JSON", e);
    }
  }
}
