package org.ddimspark.spark;

import java.io.Serializable;

/**
 * Which class each sample request gets: none, one fixed class, or class i mod K for request i.
 *
 * @param kind none, fixed or all
 * @param fixedClass the class of {@link Kind#FIXED}
 */
public record ClassMode(Kind kind, int fixedClass) implements Serializable {

    /** The kinds of class assignment. */
    public enum Kind { NONE, FIXED, ALL }

    /** No class: unconditional sampling. */
    public static final ClassMode NONE = new ClassMode(Kind.NONE, -1);

    /**
     * Every request gets class {@code c}.
     *
     * @param c the class
     * @return the mode
     */
    public static ClassMode fixed(int c) {
        return new ClassMode(Kind.FIXED, c);
    }

    /** Request i gets class i mod K. */
    public static ClassMode all() {
        return new ClassMode(Kind.ALL, -1);
    }

    /** Returns whether requests carry a class. */
    public boolean conditioned() {
        return kind != Kind.NONE;
    }

    /**
     * Returns the class of request {@code index}, or -1 for none.
     *
     * @param index the request's index, 0..count-1
     * @param numClasses K
     * @return the class
     */
    public int classOf(long index, int numClasses) {
        return switch (kind) {
            case NONE -> -1;
            case FIXED -> fixedClass;
            case ALL -> (int) Math.floorMod(index, (long) numClasses);
        };
    }
}
