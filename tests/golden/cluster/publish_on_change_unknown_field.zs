# @expect-fail
# @error-format: zeek
# A field PublishOnChangeAttr lacks: Zeek reports it from the constructor it
# builds of that type once the scripts are loaded, which has no location.
global t3: table[string] of count &publish_on_change=[
	$changes=set(TABLE_ELEMENT_NEW),
	$unknown="x",
];
