package io.ragway.cli;

/** Entry point of the {@code ragway} command. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    System.out.println("ragway");
  }
}
