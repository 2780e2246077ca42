package io.ragway.agent;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Evaluates arithmetic by recursive descent, nothing else: numbers, {@code + - * / % ^},
 * parentheses, unary minus and {@code sqrt abs round floor ceil}. Exact decimal arithmetic to 34
 * digits; division by zero, results past 1e308 and anything else are {@link ArithmeticException}s
 * naming the problem and its position.
 *
 * <pre>
 * sum     = product (('+' | '-') product)*
 * product = unary (('*' | '/' | '%') unary)*
 * unary   = '-' unary | '+' unary | power     so -2^2 is -(2^2)
 * power   = atom ('^' unary)?                right-associative
 * atom    = number | name '(' sum ')' | '(' sum ')'
 * </pre>
 */
final class Arithmetic {

  static final int MAX_LENGTH = 1000;
  private static final int MAX_DEPTH = 100;
  private static final MathContext MC = MathContext.DECIMAL128;
  private static final BigDecimal LIMIT = new BigDecimal("1e308");

  private final String text;
  private int at;
  private int depth;

  private Arithmetic(String text) {
    this.text = text;
  }

  /** The value of {@code expression}, as plain decimal text without trailing zeros. */
  static String evaluate(String expression) {
    if (expression.length() > MAX_LENGTH) {
      throw new ArithmeticException("the expression is longer than " + MAX_LENGTH + " characters");
    }
    Arithmetic a = new Arithmetic(expression);
    a.skip();
    if (a.at == expression.length()) {
      throw new ArithmeticException("the expression is empty");
    }
    BigDecimal v = a.sum();
    if (a.at < expression.length()) {
      throw a.unexpected();
    }
    BigDecimal stripped = v.stripTrailingZeros();
    return stripped.scale() < 0 && stripped.precision() - stripped.scale() > 21 ? stripped.toString()
        : stripped.toPlainString();
  }

  private BigDecimal sum() {
    BigDecimal v = product();
    while (true) {
      if (eat('+')) {
        v = checked(v.add(product(), MC));
      } else if (eat('-')) {
        v = checked(v.subtract(product(), MC));
      } else {
        return v;
      }
    }
  }

  private BigDecimal product() {
    BigDecimal v = unary();
    while (true) {
      int where = at;
      if (eat('*')) {
        v = checked(v.multiply(unary(), MC));
      } else if (eat('/')) {
        BigDecimal d = unary();
        if (d.signum() == 0) {
          throw new ArithmeticException("division by zero at position " + (where + 1));
        }
        v = checked(v.divide(d, MC));
      } else if (eat('%')) {
        BigDecimal d = unary();
        if (d.signum() == 0) {
          throw new ArithmeticException("remainder of a division by zero at position " + (where + 1));
        }
        v = checked(v.remainder(d, MC));
      } else {
        return v;
      }
    }
  }

  private BigDecimal power() {
    BigDecimal base = atom();
    int where = at;
    if (!eat('^')) {
      return base;
    }
    enter();
    BigDecimal exp = unary();
    depth--;
    if (exp.stripTrailingZeros().scale() > 0) {
      double r = Math.pow(base.doubleValue(), exp.doubleValue());
      if (Double.isNaN(r)) {
        throw new ArithmeticException("a negative number to a fractional power at position " + (where + 1));
      }
      return checked(finite(r, where));
    }
    if (exp.abs().compareTo(BigDecimal.valueOf(9999)) > 0) {
      throw new ArithmeticException("the exponent at position " + (where + 2) + " is too large");
    }
    int n = exp.intValueExact();
    if (n < 0 && base.signum() == 0) {
      throw new ArithmeticException("division by zero: 0 to a negative power at position " + (where + 1));
    }
    if (base.abs().compareTo(BigDecimal.ONE) > 0 && (long) Math.abs(n) * Math.log10(base.abs().doubleValue()) > 308) {
      throw overflow();
    }
    return checked(n >= 0 ? base.pow(n, MC) : BigDecimal.ONE.divide(base.pow(-n, MC), MC));
  }

  private BigDecimal unary() {
    if (eat('-')) {
      enter();
      BigDecimal v = unary().negate();
      depth--;
      return v;
    }
    if (eat('+')) {
      enter();
      BigDecimal v = unary();
      depth--;
      return v;
    }
    return power();
  }

  private BigDecimal atom() {
    int start = at;
    if (eat('(')) {
      enter();
      BigDecimal v = sum();
      depth--;
      if (!eat(')')) {
        throw at < text.length() ? unexpected() : new ArithmeticException("a ')' is missing for the '(' at position "
            + (start + 1));
      }
      return v;
    }
    if (at < text.length() && (Character.isDigit(text.charAt(at)) || text.charAt(at) == '.')) {
      return number();
    }
    if (at < text.length() && Character.isLetter(text.charAt(at))) {
      while (at < text.length() && Character.isLetter(text.charAt(at))) {
        at++;
      }
      String name = text.substring(start, at);
      skip();
      if (!eat('(')) {
        throw new ArithmeticException("unknown name '" + name + "' at position " + (start + 1)
            + " (functions: sqrt, abs, round, floor, ceil, each with parentheses)");
      }
      if (!java.util.Set.of("sqrt", "abs", "round", "floor", "ceil").contains(name)) {
        throw new ArithmeticException("unknown function '" + name + "' at position " + (start + 1)
            + " (functions: sqrt, abs, round, floor, ceil)");
      }
      enter();
      BigDecimal arg = sum();
      depth--;
      if (!eat(')')) {
        throw at < text.length() ? unexpected() : new ArithmeticException("a ')' is missing after " + name + "(");
      }
      return switch (name) {
        case "sqrt" -> {
          if (arg.signum() < 0) {
            throw new ArithmeticException("the square root of a negative number at position " + (start + 1));
          }
          yield arg.sqrt(MC);
        }
        case "abs" -> arg.abs();
        case "round" -> arg.setScale(0, RoundingMode.HALF_UP);
        case "floor" -> arg.setScale(0, RoundingMode.FLOOR);
        case "ceil" -> arg.setScale(0, RoundingMode.CEILING);
        default -> throw new ArithmeticException("unknown function '" + name + "' at position " + (start + 1)
            + " (functions: sqrt, abs, round, floor, ceil)");
      };
    }
    throw at < text.length() ? unexpected() : new ArithmeticException("the expression ends where a number was expected");
  }

  private BigDecimal number() {
    int start = at;
    while (at < text.length() && (Character.isDigit(text.charAt(at)) || text.charAt(at) == '.')) {
      at++;
    }
    if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
      int mark = at++;
      if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) {
        at++;
      }
      if (at >= text.length() || !Character.isDigit(text.charAt(at))) {
        at = mark; // not an exponent: the 'e' is read (and refused) as what follows
      }
      while (at < text.length() && Character.isDigit(text.charAt(at))) {
        at++;
      }
    }
    String literal = text.substring(start, at);
    skip();
    try {
      return checked(new BigDecimal(literal, MC));
    } catch (NumberFormatException e) {
      throw new ArithmeticException("'" + literal + "' at position " + (start + 1) + " is not a number");
    }
  }

  private BigDecimal checked(BigDecimal v) {
    if (v.abs().compareTo(LIMIT) > 0) {
      throw overflow();
    }
    return v;
  }

  private static ArithmeticException overflow() {
    return new ArithmeticException("overflow: the result is larger than 1e308");
  }

  private static BigDecimal finite(double r, int where) {
    if (Double.isInfinite(r)) {
      throw overflow();
    }
    return new BigDecimal(r, MC);
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw new ArithmeticException("the expression nests deeper than " + MAX_DEPTH + " levels");
    }
  }

  private boolean eat(char c) {
    if (at < text.length() && text.charAt(at) == c) {
      at++;
      skip();
      return true;
    }
    return false;
  }

  private void skip() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
  }

  private ArithmeticException unexpected() {
    return new ArithmeticException("unexpected '" + text.charAt(at) + "' at position " + (at + 1));
  }
}
