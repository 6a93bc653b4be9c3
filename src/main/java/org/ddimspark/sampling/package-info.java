/**
 * The DDIM samplers: the generalised DDIM step for diffusion and flow models, sampling from x_T with
 * classifier-free guidance, clipping and dynamic thresholding. Plain Java over float arrays, coefficients
 * in double precision; no Spark, no I/O.
 */
package org.ddimspark.sampling;
