/**
 * Noise schedules and timestep spacings: where on the path x_t = a_t x0 + b_t noise a model is trained,
 * and which points of it a sampler visits. Everything here is double precision and free of I/O.
 */
package org.ddimspark.schedule;
