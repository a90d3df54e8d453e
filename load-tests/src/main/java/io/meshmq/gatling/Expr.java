package io.meshmq.gatling;

import io.gatling.commons.validation.Failure;
import io.gatling.commons.validation.Success;
import io.gatling.commons.validation.Validation;
import io.gatling.core.session.Session;
import io.gatling.javaapi.core.internal.Expressions;
import scala.Function1;

import java.util.function.Function;

/** A string computed per virtual user: Gatling EL ("devices/#{deviceId}/cmd") or a Java function of the session. */
final class Expr {
    private final Function1<Session, Validation<String>> el;
    private final Function<io.gatling.javaapi.core.Session, String> fn;

    private Expr(Function1<Session, Validation<String>> el, Function<io.gatling.javaapi.core.Session, String> fn) {
        this.el = el;
        this.fn = fn;
    }

    static Expr el(String el) {
        return el == null ? null : new Expr(Expressions.toStringExpression(el), null);
    }

    static Expr fn(Function<io.gatling.javaapi.core.Session, String> fn) {
        return fn == null ? null : new Expr(null, fn);
    }

    /** The value for this session; throws {@link IllegalArgumentException} with Gatling's message when it fails. */
    String eval(Session session) {
        if (fn != null) return fn.apply(new io.gatling.javaapi.core.Session(session));
        Validation<?> v = el.apply(session);
        if (v instanceof Success<?> s) return String.valueOf(s.value());
        throw new IllegalArgumentException(((Failure) v).message());
    }
}
