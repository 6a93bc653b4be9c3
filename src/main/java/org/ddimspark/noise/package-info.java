/**
 * Portable seeded Gaussian noise: a counter-based generator keyed by (seed, stream, element index), so the
 * noise of a request is the same on every host and device, whatever the batch, partition or retry.
 */
package org.ddimspark.noise;
