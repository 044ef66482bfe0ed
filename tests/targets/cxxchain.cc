// A C++ call chain whose symbols are mangled: demangled names expected.
#include <cstdlib>
#include <ctime>

namespace shapes {
static volatile unsigned long sink;

struct Widget {
	__attribute__((noinline)) double spin(double seconds);
};

static double now()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double Widget::spin(double seconds)
{
	double end = now() + seconds;
	while (now() < end)
		for (int i = 0; i < 100000; i++)
			sink += i;
	return end;
}

template <typename T> __attribute__((noinline)) double drive(T &w, double seconds)
{
	double r = w.spin(seconds);
	sink++;
	return r;
}
} // namespace shapes

int main(int argc, char **argv)
{
	shapes::Widget w;
	return shapes::drive(w, argc > 1 ? std::atof(argv[1]) : 1.0) > 0 ? 0 : 1;
}
