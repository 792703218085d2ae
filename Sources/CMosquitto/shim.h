// libmosquitto (Debian's libmosquitto-dev) with the MQTT v5 constants.
#include <mosquitto.h>
#include <mqtt_protocol.h>
