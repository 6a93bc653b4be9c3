package org.ddimspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TaskSizingTest {

    @Test
    void severalBatchesATaskManyMoreTasksThanCoresNeverAnEmptyOne() {
        // README's main command: 64 images in batches of 16 on 2 cores: one batch a task, every batch its own task
        assertEquals(4, TaskSizing.tasks(64, 16, 2, 0));
        // 10000 images: 625 batches, 8 a task
        assertEquals(79, TaskSizing.tasks(10_000, 16, 2, 0));
        // a cluster of 200 cores: at least 4 tasks a core while there are batches for them
        assertEquals(800, TaskSizing.tasks(100_000, 16, 200, 0));
        assertEquals(7813, TaskSizing.tasks(1_000_000, 16, 200, 0));
        // fewer batches than cores: a task a core, as many as there are requests
        assertEquals(8, TaskSizing.tasks(40, 16, 8, 0));
        assertEquals(2, TaskSizing.tasks(2, 16, 8, 0));
        assertEquals(2, TaskSizing.tasks(20, 16, 2, 0));
        assertEquals(1, TaskSizing.tasks(1, 16, 8, 0));
        assertEquals(1, TaskSizing.tasks(0, 16, 8, 0));
        // --partitions wins, but never more tasks than requests
        assertEquals(5, TaskSizing.tasks(37, 4, 2, 5));
        assertEquals(37, TaskSizing.tasks(37, 4, 2, 100));
    }
}
