/* POSIX entry point: argv is already UTF-8 (or the locale's bytes), hand it to the portable main. */
#include "core/agent.h"

int main(int argc, char **argv)
{
    return qga_main(argc, argv);
}
