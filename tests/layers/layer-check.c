/* The body of the layer link checks (qga-compat/meson.build): the linker does the checking. */
int main(void)
{
    return 0;
}
