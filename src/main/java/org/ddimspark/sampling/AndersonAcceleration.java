package org.ddimspark.sampling;

/**
 * Anderson acceleration (Walker &amp; Ni, 2011) of a fixed-point iteration x = F(x), one vector per request, each
 * on its own history so that a request's result does not depend on the batch it shares: the next point is
 * x + f - (dX + dF) gamma, with f = F(x) - x and gamma the least-squares fit of f by the last differences dF of
 * the residuals.
 */
final class AndersonAcceleration {

    private final int memory;
    private final int size;
    private final double[][][] xs;
    private final double[][][] fs;
    private final int[] count;

    /**
     * @param rows the number of vectors (requests)
     * @param size the length of each
     * @param memory how many past differences the fit uses
     */
    AndersonAcceleration(int rows, int size, int memory) {
        this.memory = memory;
        this.size = size;
        this.xs = new double[rows][memory + 1][];
        this.fs = new double[rows][memory + 1][];
        this.count = new int[rows];
    }

    /**
     * Returns the next point of one request.
     *
     * @param row the request
     * @param x its current point
     * @param fx F at that point
     * @return the next point
     */
    double[] next(int row, double[] x, double[] fx) {
        double[] f = new double[size];
        for (int i = 0; i < size; i++) {
            f[i] = fx[i] - x[i];
        }
        int slot = count[row] % (memory + 1);
        xs[row][slot] = x.clone();
        fs[row][slot] = f;
        count[row]++;
        int m = Math.min(count[row] - 1, memory);
        if (m == 0) {
            return fx.clone();
        }
        // differences of consecutive entries, newest last
        double[][] dx = new double[m][size];
        double[][] df = new double[m][size];
        for (int j = 0; j < m; j++) {
            int older = (count[row] - 1 - m + j) % (memory + 1);
            int newer = (count[row] - m + j) % (memory + 1);
            for (int i = 0; i < size; i++) {
                dx[j][i] = xs[row][newer][i] - xs[row][older][i];
                df[j][i] = fs[row][newer][i] - fs[row][older][i];
            }
        }
        double[][] normal = new double[m][m + 1];
        double trace = 0;
        for (int j = 0; j < m; j++) {
            for (int l = 0; l < m; l++) {
                normal[j][l] = dot(df[j], df[l]);
            }
            normal[j][m] = dot(df[j], f);
            trace += normal[j][j];
        }
        for (int j = 0; j < m; j++) {
            normal[j][j] += 1e-10 * trace / m + Double.MIN_NORMAL;
        }
        double[] gamma = solve(normal, m);
        double[] next = new double[size];
        for (int i = 0; i < size; i++) {
            double v = x[i] + f[i];
            for (int j = 0; j < m; j++) {
                v -= (dx[j][i] + df[j][i]) * gamma[j];
            }
            next[i] = v;
        }
        return next;
    }

    private static double dot(double[] u, double[] v) {
        double sum = 0;
        for (int i = 0; i < u.length; i++) {
            sum += u[i] * v[i];
        }
        return sum;
    }

    /** Gaussian elimination with partial pivoting on an m x (m + 1) augmented matrix. */
    private static double[] solve(double[][] a, int m) {
        for (int c = 0; c < m; c++) {
            int pivot = c;
            for (int r = c + 1; r < m; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) {
                    pivot = r;
                }
            }
            double[] t = a[c];
            a[c] = a[pivot];
            a[pivot] = t;
            for (int r = c + 1; r < m; r++) {
                double factor = a[r][c] / a[c][c];
                for (int k = c; k <= m; k++) {
                    a[r][k] -= factor * a[c][k];
                }
            }
        }
        double[] x = new double[m];
        for (int r = m - 1; r >= 0; r--) {
            double v = a[r][m];
            for (int k = r + 1; k < m; k++) {
                v -= a[r][k] * x[k];
            }
            x[r] = v / a[r][r];
        }
        return x;
    }
}
