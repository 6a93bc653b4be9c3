/**
 * Images: defensive decoding of input files, fitting and resampling to the model's size, the map between
 * model space and pixels, PNG encoding with the JDK's ImageIO, and contact sheets.
 */
package org.ddimspark.image;
