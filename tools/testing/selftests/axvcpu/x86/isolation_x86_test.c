// SPDX-License-Identifier: GPL-2.0
/*
 * isolation_x86_test: a guest reaches host memory only through its own
 * memory regions, and one VM never sees another VM's memory.
 *
 * isolation.*: one VM with slot 0 (1 MiB at GPA 0, the code) and slot 1
 * (64 KiB at GPA 0x400000). The host memory of each slot is the middle of
 * a larger mmap() whose neighbouring pages are canaries filled with a
 * pattern. Guests load and store outside the slots (every page of
 * [1 MiB, 16 MiB) but slot 1's, the page below 4 GiB, a sparse stride up
 * to 4 GiB, the host's APIC and HPET pages, both sides of every region edge, accesses that straddle an
 * edge): every one must be an MMIO exit with the right GPA, width and data
 * (for a straddling access, of its bytes outside the region),
 * and the VMM's reply to a load must reach the guest. Afterwards every
 * canary byte is unchanged and each slot holds exactly what the guest
 * stored inside it.
 *
 * vm_pair.*: VMs A and B with regions at the same GPA (0x400000, of
 * different sizes) and at GPAs only one of them has, each region filled
 * with its VM's pattern. One VM's guest rewrites its regions in a loop on
 * another CPU while the other VM's guest reads every page of its view of
 * [1 MiB, 16 MiB): it sees only its own bytes, and every page where only
 * the other VM has memory is an MMIO exit.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "axvcpu_util.h"
#include "axvcpu_x86.h"

/* isolation.*: slot 1 and the MMIO window around it */
#define SLOT1_GPA	0x400000ULL
#define SLOT1_SIZE	0x10000ULL
#define SLOT1_END	(SLOT1_GPA + SLOT1_SIZE)
#define WIN_START	0x100000ULL		/* = the end of slot 0 */
#define WIN_END		0x1000000ULL
#define GUARD		(4 * AXV_PAGE_SIZE)	/* canary bytes on each side */

/*
 * The page offset of the accesses moves on by OFF_STEP (4 * 117, odd in
 * dwords) from one page to the next, so that 1024 pages in a row touch
 * every dword offset of a page once.
 */
#define OFF_STEP	0x1d4

/* vm_pair.*: in slot 0 of both VMs */
#define PAIR_PASSES_GPA	0x8000		/* the writer's pass counter */
#define PAIR_STOP_GPA	0x8004		/* set by the host: the writer halts */
#define PAIR_TABLE_GPA	0x8100		/* the writer's regions */
#define PAIR_RES_GPA	0x10000		/* the scan's results, 8 bytes a page */
#define PAIR_PAGES	((WIN_END - WIN_START) / AXV_PAGE_SIZE)
#define PAIR_MMIO_TAG	0xe		/* top nibble of the VMM's MMIO reply */
#define PAIR_MMIO_TOP	((__u32)PAIR_MMIO_TAG << 28)

/*
 * iso_walk: EDI = first page, ESI = stride, ECX = pages (> 0), EDX = page
 * offset of the first page (dword aligned). Per page P at offset O:
 *   load  4 bytes at P+O into EAX        (MMIO_READ, reply R1)
 *   store EAX, 4 bytes at P+O            (MMIO_WRITE of R1: the reply arrived)
 *   movzwl 2 bytes at P+O+1 into EAX     (MMIO_READ, reply R2, unaligned)
 *   store AH, 1 byte at P+O+3            (MMIO_WRITE of R2 bits 15:8)
 * then HLT; the host sets the registers and RIP again for the next range.
 *
 * iso_edge_end: EBX = the end of a region (exclusive).
 * iso_edge_start: EBP = the start of a region, with no memory below it.
 * iso_straddle: EBX = the end of a region, EBP = the start of a region.
 */
X86_GUEST(iso_guest, ".code32",
	"iso_walk:\n\t"
	"mov (%edi,%edx), %eax\n\t"
	"mov %eax, (%edi,%edx)\n\t"
	"movzwl 1(%edi,%edx), %eax\n\t"
	"mov %ah, 3(%edi,%edx)\n\t"
	"add %esi, %edi\n\t"
	"add $" __stringify(OFF_STEP) ", %edx\n\t"
	"and $0xffc, %edx\n\t"
	"dec %ecx\n\t"
	"jnz iso_walk\n\t"
	"hlt\n\t"

	"iso_edge_end:\n\t"
	"movl $0x11223344, -4(%ebx)\n\t"	/* the last bytes inside */
	"movw $0x5566, -6(%ebx)\n\t"
	"movb $0x77, -7(%ebx)\n\t"
	"mov -8(%ebx), %eax\n\t"
	"out %eax, $0x10\n\t"
	"mov -4(%ebx), %eax\n\t"
	"out %eax, $0x11\n\t"
	"movb $0x88, (%ebx)\n\t"		/* the first byte after */
	"mov (%ebx), %eax\n\t"
	"out %eax, $0x12\n\t"
	"movzbl -1(%ebx), %eax\n\t"		/* the last byte inside */
	"out %eax, $0x13\n\t"
	"movzbl 0xfff(%ebx), %eax\n\t"		/* the last byte of the page after */
	"out %eax, $0x14\n\t"
	"hlt\n\t"

	"iso_edge_start:\n\t"
	"movb $0xa5, -1(%ebp)\n\t"		/* the last byte before */
	"movl $0xdeadbeef, -4(%ebp)\n\t"
	"movzbl -1(%ebp), %eax\n\t"
	"out %eax, $0x20\n\t"
	"mov -0x1000(%ebp), %eax\n\t"		/* the first dword of the page before */
	"out %eax, $0x21\n\t"
	"movl $0xcafef00d, (%ebp)\n\t"		/* the first bytes inside */
	"movb $0x42, 4(%ebp)\n\t"
	"mov (%ebp), %eax\n\t"
	"out %eax, $0x22\n\t"
	"movzbl 4(%ebp), %eax\n\t"
	"out %eax, $0x23\n\t"
	"hlt\n\t"

	"iso_straddle:\n\t"
	"movl $0xa1b2c3d4, -2(%ebx)\n\t"	/* [end - 2, end + 2) */
	"mov -2(%ebx), %eax\n\t"
	"out %eax, $0x30\n\t"
	"movw $0xe1e2, -1(%ebx)\n\t"		/* [end - 1, end + 1) */
	"movl $0xf1f2f3f4, -2(%ebp)\n\t"	/* [start - 2, start + 2) */
	"mov -2(%ebp), %eax\n\t"
	"out %eax, $0x31\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(iso_walk);
X86_GUEST_LABEL(iso_edge_end);
X86_GUEST_LABEL(iso_edge_start);
X86_GUEST_LABEL(iso_straddle);

/*
 * pair_writer: forever, for each entry { start, end, tag << 28, mul, add }
 * of the table at PAIR_TABLE_GPA (ended by start 0), store the VM's
 * pattern (pair_pattern()) in every dword of [start, end); then count the
 * pass at PAIR_PASSES_GPA and halt once the host has set PAIR_STOP_GPA.
 *
 * pair_scan: EDI = first page, ECX = pages, EBX = results, EDX = page
 * offset of the first page. Per page P at offset O: load the dword at P+O
 * and store it in results[0]; if its top nibble is PAIR_MMIO_TAG (the
 * VMM's MMIO reply: no pattern has it) store 0xffffffff in results[1],
 * else the 32-bit sum of the page's 1024 dwords; results += 8.
 */
X86_GUEST(pair_guest, ".code32",
	"pair_writer:\n\t"
	"1: mov $" __stringify(PAIR_TABLE_GPA) ", %esi\n\t"
	"2: mov (%esi), %edi\n\t"
	"test %edi, %edi\n\t"
	"jz 4f\n\t"
	"3: mov %edi, %eax\n\t"
	"shr $2, %eax\n\t"
	"imul 12(%esi), %eax\n\t"
	"add 16(%esi), %eax\n\t"
	"and $0x0fffffff, %eax\n\t"
	"or 8(%esi), %eax\n\t"
	"mov %eax, (%edi)\n\t"
	"add $4, %edi\n\t"
	"cmp 4(%esi), %edi\n\t"
	"jb 3b\n\t"
	"add $20, %esi\n\t"
	"jmp 2b\n\t"
	"4: incl " __stringify(PAIR_PASSES_GPA) "\n\t"
	"cmpl $0, " __stringify(PAIR_STOP_GPA) "\n\t"
	"je 1b\n\t"
	"hlt\n\t"

	"pair_scan:\n\t"
	"5: mov (%edi,%edx), %eax\n\t"
	"mov %eax, (%ebx)\n\t"
	"mov %eax, %esi\n\t"
	"shr $28, %esi\n\t"
	"cmp $" __stringify(PAIR_MMIO_TAG) ", %esi\n\t"
	"je 7f\n\t"
	"xor %eax, %eax\n\t"
	"xor %esi, %esi\n\t"
	"6: add (%edi,%esi), %eax\n\t"
	"add $4, %esi\n\t"
	"cmp $0x1000, %esi\n\t"
	"jb 6b\n\t"
	"jmp 8f\n\t"
	"7: mov $0xffffffff, %eax\n\t"
	"8: mov %eax, 4(%ebx)\n\t"
	"add $8, %ebx\n\t"
	"add $0x1000, %edi\n\t"
	"add $" __stringify(OFF_STEP) ", %edx\n\t"
	"and $0xffc, %edx\n\t"
	"dec %ecx\n\t"
	"jnz 5b\n\t"
	"hlt\n\t");
X86_GUEST_LABEL(pair_writer);
X86_GUEST_LABEL(pair_scan);

static __u32 next_off(__u32 off)
{
	return (off + OFF_STEP) & 0xffc;
}

/* What the VMM answers to an MMIO load at @addr: junk above bit 31. */
static __u64 reply_for(__u64 addr)
{
	return 0xa5a5000000000000ULL | ((addr * 0x9e3779b97f4a7c15ULL) >> 20);
}

/* ---- guest memory between canary pages ---- */

struct guarded_mem {
	unsigned char *map;	/* the whole mmap() */
	size_t map_size;
	unsigned char *mem;	/* the slot's memory: map + GUARD */
	size_t size;
};

static unsigned char canary_byte(size_t i)
{
	return (unsigned char)(0x5c ^ (i * 0x9d) ^ (i >> 9));
}

/* @size bytes of zeroes between GUARD bytes of canaries on each side. */
static void guarded_alloc(struct guarded_mem *g, size_t size)
{
	size_t i;

	g->size = size;
	g->map_size = size + 2 * GUARD;
	g->map = mmap(NULL, g->map_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	AXV_REQUIRE(g->map != MAP_FAILED, "mmap %zu bytes", g->map_size);
	for (i = 0; i < g->map_size; i++)
		g->map[i] = canary_byte(i);
	g->mem = g->map + GUARD;
	memset(g->mem, 0, size);
}

static void guarded_free(struct guarded_mem *g)
{
	if (g->map && g->map != MAP_FAILED)
		munmap(g->map, g->map_size);
	g->map = NULL;
}

/* Every canary byte around @g is unchanged. */
static void check_canaries(struct __test_metadata *_metadata,
			   const struct guarded_mem *g, const char *name)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < g->map_size; i++) {
		if (i == GUARD)
			i += g->size;
		if (i < g->map_size && g->map[i] != canary_byte(i) && !bad++)
			first = i;
	}
	ASSERT_EQ(0, bad)
		TH_LOG("%s: %zu canary bytes changed, the first at slot %+zd: %#x, expected %#x",
		       name, bad, (ssize_t)first - (ssize_t)GUARD,
		       g->map[first], canary_byte(first));
}

/* The slot's memory is exactly @expect. */
static void check_contents(struct __test_metadata *_metadata,
			   const struct guarded_mem *g, const unsigned char *expect,
			   __u64 gpa, const char *name)
{
	size_t i, bad = 0, first = 0;

	for (i = 0; i < g->size; i++) {
		if (g->mem[i] != expect[i] && !bad++)
			first = i;
	}
	ASSERT_EQ(0, bad)
		TH_LOG("%s: %zu bytes wrong, the first at GPA %#llx: %#x, expected %#x",
		       name, bad, (unsigned long long)(gpa + first),
		       g->mem[first], expect[first]);
}

/* ---- running guests ---- */

struct entry_regs {
	__u64 rip, rbx, rcx, rdx, rsi, rdi, rbp;
};

/* Point the guest at @e (no read is pending: the last exit was HLT). */
static void enter_at(struct axv_vcpu *vcpu, const struct entry_regs *e)
{
	struct axvcpu_regs regs;

	axv_get_regs(vcpu, &regs);
	regs.x86.rip = e->rip;
	regs.x86.gprs[X86_RBX] = e->rbx;
	regs.x86.gprs[X86_RCX] = e->rcx;
	regs.x86.gprs[X86_RDX] = e->rdx;
	regs.x86.gprs[X86_RSI] = e->rsi;
	regs.x86.gprs[X86_RDI] = e->rdi;
	regs.x86.gprs[X86_RBP] = e->rbp;
	axv_set_regs(vcpu, &regs);
}

/*
 * RUN ends with the MMIO exit @reason at @addr of @width bytes; @reg is the
 * register stored (AXVCPU_REG_NONE: an immediate) or loaded. For a store,
 * @data is the value stored; for a load it is the reply the next RUN puts
 * in the register. Every load of these guests has a 32-bit destination
 * without sign extension.
 */
static void run_mmio(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		     __u32 reason, __u64 addr, __u32 width, __u32 reg,
		     __u64 data)
{
	struct axvcpu_run *run = vcpu->run;
	int rc = axv_run(vcpu);
	bool ok;

	ok = !rc && run->exit_reason == reason && run->mmio.addr == addr &&
	     run->mmio.width == width && run->mmio.reg == reg;
	if (reason == AXVCPU_EXIT_MMIO_WRITE)
		ok = ok && run->mmio.data == data;
	else
		ok = ok && run->mmio.reg_width == 4 && !run->mmio.sign_ext;
	ASSERT_TRUE(ok)
		TH_LOG("expected %s addr %#llx width %u reg %s %s %#llx; RUN: %s, %s, rip %#llx",
		       axv_exit_name(reason), (unsigned long long)addr, width,
		       axv_x86_gpr_name(reg),
		       reason == AXVCPU_EXIT_MMIO_WRITE ? "data" : "reply",
		       (unsigned long long)data, axv_errno_name(-rc),
		       axv_exit_desc(run),
		       (unsigned long long)axv_vcpu_rip(vcpu));
	if (reason == AXVCPU_EXIT_MMIO_READ)
		run->mmio.data = data;
}

/* ---- isolation: one VM, two guarded slots ---- */

struct iso_vm {
	struct axv_vm vm;
	struct axv_vcpu *vcpu;
	struct guarded_mem g0, g1;
	unsigned char *shadow0, *shadow1;	/* what each slot must hold */
};

FIXTURE(isolation)
{
	struct axvcpu_info info;
	struct iso_vm iso;
};

FIXTURE_SETUP(isolation)
{
	axv_read_info(&self->info);
	self->iso.vm.fd = -1;
}

FIXTURE_TEARDOWN(isolation)
{
	axv_vcpu_close(self->iso.vcpu);
	if (self->iso.vm.fd >= 0)
		axv_vm_close(&self->iso.vm);
	guarded_free(&self->iso.g0);
	guarded_free(&self->iso.g1);
	free(self->iso.shadow0);
	free(self->iso.shadow1);
}

static void iso_vm_create(struct iso_vm *iso)
{
	size_t i;

	axv_vm_create(&iso->vm);
	guarded_alloc(&iso->g0, X86_MEM_SIZE);
	guarded_alloc(&iso->g1, SLOT1_SIZE);
	/* Not zero, and not the canaries' pattern. */
	for (i = 0; i < X86_MEM_SIZE; i++)
		iso->g0.mem[i] = (unsigned char)(0x30 + i * 7 + (i >> 10));
	for (i = 0; i < SLOT1_SIZE; i++)
		iso->g1.mem[i] = (unsigned char)(0x81 + i * 13 + (i >> 11));
	axv_mem_add(&iso->vm, 0, 0, X86_MEM_SIZE, 0, iso->g0.mem);
	axv_mem_add(&iso->vm, 1, SLOT1_GPA, SLOT1_SIZE, 0, iso->g1.mem);
	x86_write_flat_gdt(iso->g0.mem + X86_GDT_GPA);
	x86_guest_load(&iso->vm, X86_CODE_GPA, iso_guest_start, iso_guest_end);

	iso->shadow0 = malloc(X86_MEM_SIZE);
	iso->shadow1 = malloc(SLOT1_SIZE);
	AXV_REQUIRE(iso->shadow0 && iso->shadow1, "malloc");
	memcpy(iso->shadow0, iso->g0.mem, X86_MEM_SIZE);
	memcpy(iso->shadow1, iso->g1.mem, SLOT1_SIZE);
	iso->vcpu = x86_vcpu_ready(&iso->vm, 0, 0, X86_CODE_GPA);
}

/* Where the guest's store of @gpa must land in the shadow copy. */
static unsigned char *shadow_at(struct iso_vm *iso, __u64 gpa)
{
	if (gpa < X86_MEM_SIZE)
		return iso->shadow0 + gpa;
	AXV_REQUIRE(gpa >= SLOT1_GPA && gpa < SLOT1_END, "GPA %#llx in no slot",
		    (unsigned long long)gpa);
	return iso->shadow1 + (gpa - SLOT1_GPA);
}

static void shadow_store(struct iso_vm *iso, __u64 gpa,
			 __u32 value, unsigned int width)
{
	unsigned int i;

	for (i = 0; i < width; i++)
		*shadow_at(iso, gpa + i) = value >> (8 * i);
}

static __u32 shadow_load32(struct iso_vm *iso, __u64 gpa)
{
	__u32 v = 0;
	unsigned int i;

	for (i = 0; i < 4; i++)
		v |= (__u32)*shadow_at(iso, gpa + i) << (8 * i);
	return v;
}

/* Canaries untouched; both slots hold exactly their shadow copies. */
static void iso_check_memory(struct __test_metadata *_metadata,
			     struct iso_vm *iso)
{
	check_canaries(_metadata, &iso->g0, "slot 0");
	check_canaries(_metadata, &iso->g1, "slot 1");
	check_contents(_metadata, &iso->g0, iso->shadow0, 0, "slot 0");
	check_contents(_metadata, &iso->g1, iso->shadow1, SLOT1_GPA, "slot 1");
}

/* iso_walk over @count pages from @first, @stride apart (see the guest). */
static void walk(struct __test_metadata *_metadata, struct axv_vcpu *vcpu,
		 __u64 first, __u64 stride, __u32 count, __u32 off)
{
	struct entry_regs e = {
		.rip = X86_GUEST_GPA(iso_guest, iso_walk),
		.rdi = first, .rsi = stride, .rcx = count, .rdx = off,
	};
	__u64 r1, r2 = 0;
	__u32 i;

	AXV_REQUIRE(count && first + (count - 1) * stride + 0xfff <= 0xffffffffULL,
		    "range past 4 GiB");
	enter_at(vcpu, &e);
	for (i = 0; i < count; i++) {
		__u64 a = first + i * stride + off;

		r1 = reply_for(a);
		run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_READ, a, 4, X86_RAX, r1);
		run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_WRITE, a, 4, X86_RAX,
			 (__u32)r1);
		r2 = reply_for(a + 1);
		run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_READ, a + 1, 2, X86_RAX,
			 r2);
		run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_WRITE, a + 3, 1,
			 AXVCPU_X86_REG_AH, (r2 >> 8) & 0xff);
		off = next_off(off);
	}
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	/* movzwl: the reply's low 16 bits, zero-extended */
	ASSERT_GPR(vcpu, X86_RAX, r2 & 0xffff);
}

/*
 * Every page of [1 MiB, 16 MiB) but slot 1's: loads and stores of 1, 2 and
 * 4 bytes at a different offset in each page are MMIO exits, and the
 * replies reach the guest.
 */
TEST_F_TIMEOUT(isolation, mmio_window_every_page, 150)
{
	AXV_REQUIRE_X86(&self->info);
	iso_vm_create(&self->iso);
	walk(_metadata, self->iso.vcpu, WIN_START, AXV_PAGE_SIZE,
	     (SLOT1_GPA - WIN_START) / AXV_PAGE_SIZE, 0);
	walk(_metadata, self->iso.vcpu, SLOT1_END, AXV_PAGE_SIZE,
	     (WIN_END - SLOT1_END) / AXV_PAGE_SIZE, 0x7f8);
	iso_check_memory(_metadata, &self->iso);
}

/*
 * The page just below 4 GiB at 64 offsets (its last dword and last byte
 * included), then one page every 2 MiB + 4 KiB from 16 MiB up to it.
 */
TEST_F_TIMEOUT(isolation, below_4g_and_sparse_stride, 150)
{
	const __u64 last = 0x100000000ULL - AXV_PAGE_SIZE;
	const __u64 stride = 2 * AXV_MiB + AXV_PAGE_SIZE;

	AXV_REQUIRE_X86(&self->info);
	iso_vm_create(&self->iso);
	walk(_metadata, self->iso.vcpu, last, 0, 64, 0xffc);
	walk(_metadata, self->iso.vcpu, WIN_END, stride,
	     (last - WIN_END) / stride + 1, 0x10);
	iso_check_memory(_metadata, &self->iso);
}

/*
 * The pages where a PC host has its I/O APIC, HPET and local APIC, 16
 * offsets each (the local APIC's TPR at 0x80 and EOI at 0xb0 among them):
 * guest accesses there are MMIO exits like anywhere else without a region,
 * and never reach the host's devices.
 */
TEST_F_TIMEOUT(isolation, host_device_pages, 150)
{
	static const __u64 pages[] = { 0xfec00000, 0xfed00000, 0xfee00000 };
	unsigned int i;

	AXV_REQUIRE_X86(&self->info);
	iso_vm_create(&self->iso);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		walk(_metadata, self->iso.vcpu, pages[i], 0, 16, 0x80);
	iso_check_memory(_metadata, &self->iso);
}

/* iso_edge_end at @end: stores inside stay in memory, the first byte after exits. */
static void edge_end(struct __test_metadata *_metadata,
		     struct iso_vm *iso, __u64 end)
{
	struct axv_vcpu *vcpu = iso->vcpu;
	struct entry_regs e = {
		.rip = X86_GUEST_GPA(iso_guest, iso_edge_end), .rbx = end,
	};
	__u64 r;

	enter_at(vcpu, &e);
	shadow_store(iso, end - 4, 0x11223344, 4);
	shadow_store(iso, end - 6, 0x5566, 2);
	shadow_store(iso, end - 7, 0x77, 1);
	/* no exit before: the loads inside see the stores */
	ASSERT_RUN_IO_WRITE(vcpu, 0x10, 4, shadow_load32(iso, end - 8));
	ASSERT_RUN_IO_WRITE(vcpu, 0x11, 4, 0x11223344);
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_WRITE, end, 1,
		 AXVCPU_REG_NONE, 0x88);
	r = reply_for(end);
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_READ, end, 4, X86_RAX, r);
	ASSERT_RUN_IO_WRITE(vcpu, 0x12, 4, (__u32)r);
	ASSERT_RUN_IO_WRITE(vcpu, 0x13, 4, 0x11);
	r = reply_for(end + 0xfff);
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_READ, end + 0xfff, 1, X86_RAX,
		 r);
	ASSERT_RUN_IO_WRITE(vcpu, 0x14, 4, r & 0xff);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/* iso_edge_start at @start: the bytes below exit, the first bytes inside do not. */
static void edge_start(struct __test_metadata *_metadata,
		       struct iso_vm *iso, __u64 start)
{
	struct axv_vcpu *vcpu = iso->vcpu;
	struct entry_regs e = {
		.rip = X86_GUEST_GPA(iso_guest, iso_edge_start), .rbp = start,
	};
	__u64 r;

	enter_at(vcpu, &e);
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_WRITE, start - 1, 1,
		 AXVCPU_REG_NONE, 0xa5);
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_WRITE, start - 4, 4,
		 AXVCPU_REG_NONE, 0xdeadbeef);
	r = reply_for(start - 1);
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_READ, start - 1, 1, X86_RAX,
		 r);
	ASSERT_RUN_IO_WRITE(vcpu, 0x20, 4, r & 0xff);
	r = reply_for(start - 0x1000);
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_READ, start - 0x1000, 4,
		 X86_RAX, r);
	ASSERT_RUN_IO_WRITE(vcpu, 0x21, 4, (__u32)r);
	shadow_store(iso, start, 0xcafef00d, 4);
	shadow_store(iso, start + 4, 0x42, 1);
	ASSERT_RUN_IO_WRITE(vcpu, 0x22, 4, 0xcafef00d);
	ASSERT_RUN_IO_WRITE(vcpu, 0x23, 4, 0x42);
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
}

/*
 * Both sides of every region edge: slot 0's end at 1 MiB, slot 1's start
 * and end. The last bytes inside are plain memory (no exit, the guest
 * reads back what it stored), the first byte outside is MMIO.
 */
TEST_F(isolation, region_edges)
{
	AXV_REQUIRE_X86(&self->info);
	iso_vm_create(&self->iso);
	edge_end(_metadata, &self->iso, X86_MEM_SIZE);
	edge_start(_metadata, &self->iso, SLOT1_GPA);
	edge_end(_metadata, &self->iso, SLOT1_END);
	iso_check_memory(_metadata, &self->iso);
}

/*
 * An access that straddles a region's edge (Documentation/api.rst,
 * "mmio"): its bytes inside the region are memory, only the others are
 * MMIO. The store at end - 2 writes its low 2 bytes into the region and is
 * MMIO_WRITE { addr = end, width = 2, data = its high 2 bytes }; the load
 * at end - 2 is MMIO_READ { addr = end, width = 2 } and the register gets
 * the VMM's 2 bytes above the 2 bytes of memory. Below a region's start
 * the MMIO part is the access's first bytes. QEMU TCG looks up both pages
 * of a page-crossing access before it touches either, so the fault comes
 * before any byte is written, and the backend does the memory part itself.
 */
TEST_F(isolation, straddle_region_edge)
{
	struct axv_vcpu *vcpu;
	struct entry_regs e = {
		.rip = X86_GUEST_GPA(iso_guest, iso_straddle),
		.rbx = SLOT1_END, .rbp = SLOT1_GPA,
	};
	__u64 r;

	AXV_REQUIRE_X86(&self->info);
	iso_vm_create(&self->iso);
	vcpu = self->iso.vcpu;
	enter_at(vcpu, &e);

	/* movl $0xa1b2c3d4, [end - 2, end + 2) */
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_WRITE, SLOT1_END, 2,
		 AXVCPU_REG_NONE, 0xa1b2);
	shadow_store(&self->iso, SLOT1_END - 2, 0xc3d4, 2);
	/* mov [end - 2, end + 2), %eax: memory's c3d4 below the reply's */
	r = reply_for(SLOT1_END);
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_READ, SLOT1_END, 2, X86_RAX,
		 r);
	ASSERT_RUN_IO_WRITE(vcpu, 0x30, 4, (__u32)((r & 0xffff) << 16 | 0xc3d4));
	/* movw $0xe1e2, [end - 1, end + 1) */
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_WRITE, SLOT1_END, 1,
		 AXVCPU_REG_NONE, 0xe1);
	shadow_store(&self->iso, SLOT1_END - 1, 0xe2, 1);
	/* movl $0xf1f2f3f4, [start - 2, start + 2): the MMIO part comes first */
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_WRITE, SLOT1_GPA - 2, 2,
		 AXVCPU_REG_NONE, 0xf3f4);
	shadow_store(&self->iso, SLOT1_GPA, 0xf1f2, 2);
	r = reply_for(SLOT1_GPA - 2);
	run_mmio(_metadata, vcpu, AXVCPU_EXIT_MMIO_READ, SLOT1_GPA - 2, 2,
		 X86_RAX, r);
	ASSERT_RUN_IO_WRITE(vcpu, 0x31, 4, (__u32)(0xf1f2 << 16 | (r & 0xffff)));
	ASSERT_RUN_EXIT(vcpu, AXVCPU_EXIT_HALT);
	ASSERT_STATE(vcpu, AXVCPU_STATE_READY);
	/* the straddling stores' memory parts, and nothing else, landed */
	iso_check_memory(_metadata, &self->iso);
}

/* ---- vm_pair: two VMs ---- */

struct pair_region {
	__u32 slot;
	__u64 gpa, size;
};

struct pair_layout {
	const char *name;
	__u32 tag, mul, add;	/* pair_pattern() */
	struct pair_region r[3];
};

/*
 * GPA 0x400000 is in both VMs (64 KiB in A, 128 KiB in B); [1 MiB, 2 MiB)
 * and 0x800000 only in A, 0x420000 and 0xc00000 only in B.
 */
static const struct pair_layout pair_layouts[2] = {
	{ "A", 0xa, 0x9e3779b1, 0x01234567,
	  { { 0, 0, 2 * AXV_MiB }, { 1, 0x400000, 0x10000 },
	    { 2, 0x800000, 0x10000 } } },
	{ "B", 0xb, 0x85ebca6b, 0x0badf00d,
	  { { 0, 0, AXV_MiB }, { 1, 0x400000, 0x20000 },
	    { 2, 0xc00000, 0x10000 } } },
};

/* The dword a VM's regions hold at @gpa (>= 1 MiB); the tag is its top nibble. */
static __u32 pair_pattern(const struct pair_layout *l, __u32 gpa)
{
	return l->tag << 28 | (((gpa >> 2) * l->mul + l->add) & 0x0fffffff);
}

static bool pair_mapped(const struct pair_layout *l, __u64 gpa)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(l->r); i++) {
		if (gpa >= l->r[i].gpa && gpa - l->r[i].gpa < l->r[i].size)
			return true;
	}
	return false;
}

static __u32 pair_page_sum(const struct pair_layout *l, __u32 page)
{
	__u32 sum = 0, off;

	for (off = 0; off < AXV_PAGE_SIZE; off += 4)
		sum += pair_pattern(l, page + off);
	return sum;
}

struct pair_writer_ctx {
	struct axv_vcpu *vcpu;
	int rc;
	__u32 exit_reason;
};

struct pair_state {
	struct axv_vm vm[2];
	struct guarded_mem g[2][3];
	struct axv_vcpu *writer, *reader;
	struct pair_writer_ctx wctx;
	pthread_t thread;
	bool thread_running;
	__u32 *stop;		/* the writer VM's PAIR_STOP_GPA */
};

FIXTURE(vm_pair)
{
	struct axvcpu_info info;
	struct pair_state ps;
};

FIXTURE_VARIANT(vm_pair)
{
	int reader;	/* index into pair_layouts; the other one writes */
};

FIXTURE_VARIANT_ADD(vm_pair, b_reads_while_a_writes)
{
	.reader = 1,
};

FIXTURE_VARIANT_ADD(vm_pair, a_reads_while_b_writes)
{
	.reader = 0,
};

FIXTURE_SETUP(vm_pair)
{
	axv_read_info(&self->info);
	self->ps.vm[0].fd = -1;
	self->ps.vm[1].fd = -1;
}

/* Stop the writer's guest and join its thread (a watchdog kicks a stuck RUN). */
static bool pair_stop_writer(struct pair_state *ps)
{
	struct axv_watchdog wd;

	if (!ps->thread_running)
		return false;
	__atomic_store_n(ps->stop, 1, __ATOMIC_SEQ_CST);
	axv_watchdog_arm(&wd, ps->thread, 60);
	pthread_join(ps->thread, NULL);
	ps->thread_running = false;
	return axv_watchdog_disarm(&wd);
}

FIXTURE_TEARDOWN(vm_pair)
{
	int v, i;

	pair_stop_writer(&self->ps);
	axv_vcpu_close(self->ps.writer);
	axv_vcpu_close(self->ps.reader);
	for (v = 0; v < 2; v++) {
		if (self->ps.vm[v].fd >= 0)
			axv_vm_close(&self->ps.vm[v]);
		for (i = 0; i < 3; i++)
			guarded_free(&self->ps.g[v][i]);
	}
}

static void pair_vm_create(struct pair_state *ps, int v)
{
	const struct pair_layout *l = &pair_layouts[v];
	struct axv_vm *vm = &ps->vm[v];
	__u32 *table, gpa;
	unsigned int i;

	axv_vm_create(vm);
	for (i = 0; i < ARRAY_SIZE(l->r); i++) {
		const struct pair_region *r = &l->r[i];
		struct guarded_mem *g = &ps->g[v][i];

		guarded_alloc(g, r->size);
		for (gpa = r->gpa; gpa < r->gpa + r->size; gpa += 4) {
			if (gpa >= WIN_START)
				memcpy(g->mem + (gpa - r->gpa),
				       &(__u32){ pair_pattern(l, gpa) }, 4);
		}
		axv_mem_add(vm, r->slot, r->gpa, r->size, 0, g->mem);
	}
	x86_write_flat_gdt(ps->g[v][0].mem + X86_GDT_GPA);
	x86_guest_load(vm, X86_CODE_GPA, pair_guest_start, pair_guest_end);

	/* the writer's table: the parts of the regions at or above 1 MiB */
	table = axv_gpa2hva(vm, PAIR_TABLE_GPA);
	for (i = 0; i < ARRAY_SIZE(l->r); i++) {
		const struct pair_region *r = &l->r[i];
		__u64 start = r->gpa > WIN_START ? r->gpa : WIN_START;

		if (start >= r->gpa + r->size)
			continue;
		*table++ = start;
		*table++ = r->gpa + r->size;
		*table++ = l->tag << 28;
		*table++ = l->mul;
		*table++ = l->add;
	}
	*table = 0;
}

/* Every byte of @v's regions at or above 1 MiB holds its pattern; canaries intact. */
static void pair_check_vm(struct __test_metadata *_metadata,
			  struct pair_state *ps, int v)
{
	const struct pair_layout *l = &pair_layouts[v];
	unsigned int i;
	__u32 gpa, got;
	char name[32];

	for (i = 0; i < ARRAY_SIZE(l->r); i++) {
		const struct pair_region *r = &l->r[i];
		const struct guarded_mem *g = &ps->g[v][i];

		snprintf(name, sizeof(name), "VM %s slot %u", l->name, r->slot);
		check_canaries(_metadata, g, name);
		for (gpa = r->gpa; gpa < r->gpa + r->size; gpa += 4) {
			if (gpa < WIN_START)
				continue;
			memcpy(&got, g->mem + (gpa - r->gpa), 4);
			ASSERT_EQ(pair_pattern(l, gpa), got)
				TH_LOG("%s: GPA %#x holds %#x, expected its own pattern %#x",
				       name, gpa, got, pair_pattern(l, gpa));
		}
	}
}

static void *pair_writer_thread(void *arg)
{
	struct pair_writer_ctx *w = arg;

	axv_vcpu_bind(w->vcpu);
	w->rc = axv_run(w->vcpu);
	w->exit_reason = w->vcpu->run->exit_reason;
	ioctl(w->vcpu->fd, AXVCPU_UNBIND, 0);
	return NULL;
}

/*
 * The writer VM's guest rewrites its regions on another CPU (when there is
 * one) while the reader VM's guest reads every page of its view of
 * [1 MiB, 16 MiB): the reader sees its own pattern where it has memory and
 * takes an MMIO exit everywhere else, in particular where only the writer
 * has memory. Neither VM's memory nor any canary changes.
 */
TEST_F_TIMEOUT(vm_pair, scan_sees_only_own_memory, 150)
{
	const int rv = variant->reader, wv = !variant->reader;
	struct pair_state *ps = &self->ps;
	const struct pair_layout *rl = &pair_layouts[rv], *wl = &pair_layouts[wv];
	struct axvcpu_create_vcpu args = { 0 };
	unsigned int mmio = 0, other_only = 0, shared = 0, own = 0;
	struct entry_regs e = {
		.rip = X86_GUEST_GPA(pair_guest, pair_scan),
		.rdi = WIN_START, .rcx = PAIR_PAGES, .rbx = PAIR_RES_GPA,
		.rdx = 0x40,
	};
	__u32 idx, off, *res, *passes;
	long state;
	int i;

	AXV_REQUIRE_X86(&self->info);
	ASSERT_LE(3, self->info.max_memory_regions);
	pair_vm_create(ps, 0);
	pair_vm_create(ps, 1);
	passes = axv_gpa2hva(&ps->vm[wv], PAIR_PASSES_GPA);
	ps->stop = axv_gpa2hva(&ps->vm[wv], PAIR_STOP_GPA);

	/* the writer on the second test CPU, the reader on the first */
	args.favor_phys_cpu = axv_test_cpu(1);
	ps->writer = axv_vcpu_create_args(&ps->vm[wv], &args);
	axv_vcpu_setup(ps->writer, X86_GUEST_GPA(pair_guest, pair_writer),
		       AXVCPU_X86_MODE_FLAT32);
	ps->reader = x86_vcpu_ready(&ps->vm[rv], 0, 0, e.rip);
	enter_at(ps->reader, &e);

	axv_install_sigusr1();
	ps->wctx.vcpu = ps->writer;
	ps->wctx.rc = -1;
	ASSERT_EQ(0, pthread_create(&ps->thread, NULL, pair_writer_thread,
				    &ps->wctx));
	ps->thread_running = true;
	for (i = 0; i < 30000 && !__atomic_load_n(passes, __ATOMIC_RELAXED); i++)
		axv_msleep(1);
	ASSERT_NE(0, __atomic_load_n(passes, __ATOMIC_RELAXED))
		TH_LOG("VM %s's writer did not finish a pass in 30 s (state %s)",
		       wl->name, axv_state_name(axv_get_state(ps->writer)));

	off = e.rdx;
	for (idx = 0; idx < PAIR_PAGES; idx++) {
		__u64 a = WIN_START + idx * AXV_PAGE_SIZE + off;

		if (!pair_mapped(rl, a)) {
			run_mmio(_metadata, ps->reader, AXVCPU_EXIT_MMIO_READ,
				 a, 4, X86_RAX,
				 0xdeadbeef00000000ULL | PAIR_MMIO_TOP |
				 (a & 0x0fffffff));
			mmio++;
			other_only += pair_mapped(wl, a);
		} else {
			own++;
			shared += pair_mapped(wl, a);
		}
		off = next_off(off);
	}
	ASSERT_RUN_EXIT(ps->reader, AXVCPU_EXIT_HALT);

	/* the writer was in RUN all along */
	state = axv_get_state(ps->writer);
	ASSERT_EQ(AXVCPU_STATE_RUNNING, state)
		TH_LOG("VM %s's writer: state %s after the scan, exit %s",
		       wl->name, axv_state_name(state),
		       axv_exit_desc(ps->writer->run));
	ASSERT_FALSE(pair_stop_writer(ps))
		TH_LOG("VM %s's writer did not halt within 60 s of the stop flag",
		       wl->name);
	ASSERT_EQ(0, ps->wctx.rc)
		TH_LOG("VM %s's writer: RUN %s", wl->name,
		       axv_errno_name(-ps->wctx.rc));
	ASSERT_EQ(AXVCPU_EXIT_HALT, ps->wctx.exit_reason)
		TH_LOG("VM %s's writer: %s", wl->name,
		       axv_exit_desc(ps->writer->run));

	res = axv_gpa2hva(&ps->vm[rv], PAIR_RES_GPA);
	off = e.rdx;
	for (idx = 0; idx < PAIR_PAGES; idx++) {
		__u32 page = WIN_START + idx * AXV_PAGE_SIZE, a = page + off;
		__u32 first, sum;

		if (pair_mapped(rl, a)) {
			first = pair_pattern(rl, a);
			sum = pair_page_sum(rl, page);
		} else {
			first = PAIR_MMIO_TOP | (a & 0x0fffffff);
			sum = 0xffffffff;
		}
		ASSERT_EQ(first, res[2 * idx])
			TH_LOG("VM %s read %#x at GPA %#x, expected %#x (VM %s has %#x)",
			       rl->name, res[2 * idx], a, first, wl->name,
			       pair_pattern(wl, a));
		ASSERT_EQ(sum, res[2 * idx + 1])
			TH_LOG("VM %s: page %#x sums to %#x, expected %#x (VM %s's page: %#x)",
			       rl->name, page, res[2 * idx + 1], sum, wl->name,
			       pair_page_sum(wl, page));
		off = next_off(off);
	}
	pair_check_vm(_metadata, ps, 0);
	pair_check_vm(_metadata, ps, 1);

	/* the layout covers all three cases */
	ASSERT_NE(0, other_only);
	ASSERT_NE(0, shared);
	ASSERT_EQ(PAIR_PAGES, mmio + own);
	TH_LOG("VM %s: %u pages its own (%u at a GPA VM %s has too), %u MMIO (%u only VM %s has)",
	       rl->name, own, shared, wl->name, mmio, other_only, wl->name);
	TH_LOG("VM %s's writer made %u passes", wl->name,
	       __atomic_load_n(passes, __ATOMIC_RELAXED));
}

TEST_HARNESS_MAIN
