/* The load averages Windows has no counter for: sampled and decayed as Linux does it. */
#include "model/load.h"

/* e^(-5/60), e^(-5/300), e^(-5/900): the damping of one 5-second sample in each window
 * (Linux's EXP_1/EXP_5/EXP_15 in fixed point; qemu-ga 10.1 uses these doubles). */
static const double load_factor[3] = {
    0.9200444146293232478931553241,
    0.9834714538216174894737477501,
    0.9944598480048967508795473394,
};

void qga_load_average_sample(QgaLoadAverage *load, double sample)
{
    for (int i = 0; i < 3; i++)
        load->avg[i] = load->avg[i] * load_factor[i] + sample * (1.0 - load_factor[i]);
}
