// SPDX-License-Identifier: GPL-2.0
/* FNSTENV + FLDENV forever: each FLDENV runs QEMU's cpu_clear_ignne(). */
int main(void)
{
	unsigned char env[28];

	for (;;)
		asm volatile("fnstenv %0\n\tfldenv %0" : "+m"(env));
}
