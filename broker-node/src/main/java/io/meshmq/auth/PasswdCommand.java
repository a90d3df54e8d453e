package io.meshmq.auth;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code passwd FILE add|change|remove USER [--password PW] [--iterations N] [--scram-iterations N]}: edits a password
 * file. Each password is stored as a PBKDF2-SHA512 hash and as SCRAM-SHA-256 keys ({@code --scram-iterations 0}:
 * none; that user can then not use enhanced authentication). The password is
 * read from the first line of standard input unless given with {@code --password} (which leaves it in the shell
 * history and the process list: prefer stdin). Exit codes: 0 done, 1 refused (user exists / missing), 2 usage.
 *
 * <p>{@code passwd --jdbc-url URL [--jdbc-user U] [--users-table T] add|change|remove USER ...} edits the users table
 * of {@code broker.auth.users = postgres} instead (created if missing); the database password comes from the
 * environment variable {@code BROKER_AUTH_DB_PASSWORD} (else {@code BROKER_JOURNAL_PASSWORD}), never from the command line.
 */
public final class PasswdCommand {
    private PasswdCommand() {}

    static final String USAGE = "usage: passwd FILE add|change|remove USER [--password PASSWORD] [--iterations N] [--scram-iterations N]\n"
            + "       passwd --jdbc-url URL [--jdbc-user USER] [--users-table TABLE] add|change|remove USER [options as above]\n"
            + "       the password is read from standard input (first line) unless --password is given;\n"
            + "       the database password from the environment variable BROKER_AUTH_DB_PASSWORD (else BROKER_JOURNAL_PASSWORD)";

    public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err) {
        String dbPassword = System.getenv("BROKER_AUTH_DB_PASSWORD");
        return run(args, stdin, out, err, dbPassword != null ? dbPassword : System.getenv("BROKER_JOURNAL_PASSWORD"));
    }

    static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err, String dbPassword) {
        List<String> positional = new ArrayList<>();
        String jdbcUrl = null;
        String jdbcUser = "";
        String usersTable = "meshmq_users";
        String password = null;
        int iterations = PasswordHasher.DEFAULT_ITERATIONS;
        int scramIterations = ScramCredentials.DEFAULT_ITERATIONS;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--password" -> password = args[++i];
                    case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                    case "--scram-iterations" -> scramIterations = Integer.parseInt(args[++i]);
                    case "--jdbc-url" -> jdbcUrl = args[++i];
                    case "--jdbc-user" -> jdbcUser = args[++i];
                    case "--users-table" -> usersTable = args[++i];
                    default -> positional.add(args[i]);
                }
            }
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            err.println(USAGE);
            return 2;
        }
        // RFC 7677 section 4: a SCRAM-SHA-256 iteration count of at least 4096
        if (positional.size() != (jdbcUrl == null ? 3 : 2) || iterations < 1000 || (scramIterations != 0 && scramIterations < 4096)) {
            err.println(USAGE);
            return 2;
        }
        if (jdbcUrl != null) {
            return database(jdbcUrl, jdbcUser, dbPassword == null ? "" : dbPassword, usersTable, positional.get(0),
                    positional.get(1), password, iterations, scramIterations, stdin, out, err);
        }
        Path file = Path.of(positional.get(0));
        String action = positional.get(1);
        String user = positional.get(2);
        try {
            PasswordFile.checkUserName(user);
            PasswordFile pf = Files.exists(file) ? PasswordFile.load(file) : PasswordFile.empty();
            switch (action) {
                case "add", "change" -> {
                    if (action.equals("add") && pf.contains(user)) { err.println("user " + user + " exists; use change"); return 1; }
                    if (action.equals("change") && !pf.contains(user)) { err.println("no user " + user + "; use add"); return 1; }
                    char[] pw = password != null ? password.toCharArray() : readLine(stdin);
                    if (pw == null || pw.length == 0) { err.println("empty password"); return 1; }
                    try {
                        pf.put(user, pw, iterations, scramIterations);
                    } finally {
                        PasswordHasher.wipe(pw);
                    }
                }
                case "remove" -> {
                    if (!pf.remove(user)) { err.println("no user " + user); return 1; }
                }
                default -> { err.println(USAGE); return 2; }
            }
            pf.save(file);
            out.println(action + ": " + user + " (" + file + ", " + pf.size() + " users)");
            return 0;
        } catch (Exception e) {
            err.println("passwd: " + e.getMessage());
            return 1;
        }
    }

    private static int database(String url, String dbUser, String dbPassword, String table, String action, String user,
                                String password, int iterations, int scramIterations, InputStream stdin, PrintStream out, PrintStream err) {
        try (AuthDatabase db = new AuthDatabase(url, dbUser, dbPassword, table, "meshmq_acl")) {
            PasswordFile.checkUserName(user);
            db.ensureSchema();
            switch (action) {
                case "add", "change" -> {
                    boolean exists = db.containsUser(user);
                    if (action.equals("add") && exists) { err.println("user " + user + " exists; use change"); return 1; }
                    if (action.equals("change") && !exists) { err.println("no user " + user + "; use add"); return 1; }
                    char[] pw = password != null ? password.toCharArray() : readLine(stdin);
                    if (pw == null || pw.length == 0) { err.println("empty password"); return 1; }
                    try {
                        db.putUser(user, PasswordHasher.credentials(pw, iterations, scramIterations));
                    } finally {
                        PasswordHasher.wipe(pw);
                    }
                }
                case "remove" -> {
                    if (!db.removeUser(user)) { err.println("no user " + user); return 1; }
                }
                default -> { err.println(USAGE); return 2; }
            }
            out.println(action + ": " + user + " (table " + table + " at " + db.url() + ")");
            return 0;
        } catch (Exception e) {
            err.println("passwd: " + e.getMessage());
            return 1;
        }
    }

    private static char[] readLine(InputStream in) throws java.io.IOException {
        if (System.console() != null && in == System.in) {
            return System.console().readPassword("password: ");
        }
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        return line == null ? null : line.toCharArray();
    }
}
