/** Images: the map between model space and 8-bit pixels, and PNG encoding with the JDK's ImageIO. */
package org.ddimspark.image;
