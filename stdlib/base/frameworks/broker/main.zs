##! Broker's data model as scripts see it.

module Broker;

export {
	## A value received in an ``any`` argument of a cluster event: the Broker
	## data as it came over the wire (a record travels as a vector of its
	## fields, for example).  It prints as ``broker::data{...}``;
	## ``v as T`` and ``v is T`` convert it to ``T`` when the data fits.
	type Data: record {
		data: opaque of Broker::Data &optional;
	};

	## A vector of received values.
	type DataVector: vector of Broker::Data;
}
