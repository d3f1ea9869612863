/* The load averages, and the damped average Windows computes them with. Shared by commands/ and os/. */
#pragma once

#include "core/error.h"

/* Seconds between two samples of an emulated load average (Linux's LOAD_FREQ is 5 s too). */
#define QGA_LOAD_SAMPLE_SECONDS 5

/*
 * Exponentially damped averages as Linux computes them, fed one instantaneous
 * run-queue sample every QGA_LOAD_SAMPLE_SECONDS: avg = avg * e^(-5/window) +
 * sample * (1 - e^(-5/window)) for windows of 60, 300 and 900 s, from zero.
 */
typedef struct QgaLoadAverage {
    double avg[3];
} QgaLoadAverage;

void qga_load_average_sample(QgaLoadAverage *load, double sample);
